// Command ociimage assembles the double's container image without a
// container engine: the static Linux binaries of a goreleaser dist
// directory, each in one layer, with the entrypoint, user and port of the
// Dockerfile's last stage, written as an OCI image layout (one image per
// architecture under one index) that `crane push --index` publishes.
//
//	go -C .ci/release run ./ociimage -dist ../../dist -o ../../dist/image
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	dist := flag.String("dist", "dist", "goreleaser's dist `directory` (its artifacts.json and metadata.json)")
	dockerfile := flag.String("dockerfile", "Dockerfile", "the `Dockerfile` whose last stage defines the image")
	out := flag.String("o", "image", "the OCI image layout `directory` to write (replaced)")
	flag.Parse()
	if err := build(*dist, *dockerfile, *out); err != nil {
		fmt.Fprintf(os.Stderr, "ociimage: %v\n", err)
		os.Exit(1)
	}
}

func build(dist, dockerfile, out string) error {
	base, err := lastStage(dockerfile)
	if err != nil {
		return err
	}
	var meta struct{ Version string }
	if err := readJSON(filepath.Join(dist, "metadata.json"), &meta); err != nil {
		return err
	}
	var artifacts []struct{ Type, Path, Goos, Goarch string }
	if err := readJSON(filepath.Join(dist, "artifacts.json"), &artifacts); err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, a := range artifacts {
		if a.Type != "Binary" || a.Goos != "linux" {
			continue
		}
		// goreleaser's paths are relative to the project, dist's parent.
		bin, err := os.ReadFile(filepath.Join(filepath.Dir(dist), a.Path))
		if err != nil {
			return err
		}
		cfg := base
		cfg.Labels = map[string]string{"org.opencontainers.image.version": meta.Version}
		img, err := image(bin, cfg, a.Goarch)
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: a.Goarch}}})
	}
	if m, err := idx.IndexManifest(); err != nil || len(m.Manifests) == 0 {
		return fmt.Errorf("%s/artifacts.json lists no Linux binary (%v)", dist, err)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	_, err = layout.Write(out, idx)
	return err
}

// image is the binary alone, at the entrypoint's path, executable by anyone.
func image(bin []byte, cfg v1.Config, arch string) (v1.Image, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(cfg.Entrypoint[0], "/"), Mode: 0o755, Size: int64(len(bin))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", arch, cfg
	return mutate.ConfigFile(img, cf)
}

// lastStage reads the ENTRYPOINT (exec form), USER and EXPOSE of the
// Dockerfile's last stage: the image's one definition.
func lastStage(path string) (v1.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return v1.Config{}, err
	}
	defer f.Close()
	var cfg v1.Config
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToUpper(word) {
		case "FROM":
			cfg = v1.Config{}
		case "USER":
			cfg.User = arg
		case "EXPOSE":
			cfg.ExposedPorts = map[string]struct{}{}
			for _, p := range strings.Fields(arg) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				cfg.ExposedPorts[p] = struct{}{}
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(arg), &cfg.Entrypoint); err != nil {
				return cfg, fmt.Errorf("%s: ENTRYPOINT %s: want the exec form, a JSON array: %v", path, arg, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return cfg, err
	}
	if len(cfg.Entrypoint) == 0 {
		return cfg, fmt.Errorf("%s: the last stage has no ENTRYPOINT", path)
	}
	return cfg, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
