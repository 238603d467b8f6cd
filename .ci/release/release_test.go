// Package release checks what `make release-check` built, as a team
// without Go gets it: goreleaser's snapshot in dist/ (the checksums, the
// Linux amd64 archive's binary) and the OCI image ociimage assembled from
// it, each binary run on loopback through token, list, create and revoke.
package release

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"go.yaml.in/yaml/v3"
)

var (
	dist  = flag.String("dist", "../../dist", "goreleaser's dist directory")
	image = flag.String("image", "../../dist/image", "the OCI image layout ociimage wrote")
	spec  = flag.String("spec", "../../openapi.yaml", "the spec the double implements")
	doc   = flag.String("doc", "../../docs/other-teams.md", "the page whose first test runs against the binary")
)

// TestChecksumsHoldEveryArchive: checksums.txt names every archive in dist
// with its SHA-256, as `sha256sum --check` reads it.
func TestChecksumsHoldEveryArchive(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(*dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("checksums.txt: %q is not `SUM  NAME`", line)
		}
		sums[name] = sum
	}
	archives, _ := filepath.Glob(filepath.Join(*dist, "flexfactor-mock_*"))
	n := 0
	for _, a := range archives {
		if !strings.HasSuffix(a, ".tar.gz") && !strings.HasSuffix(a, ".zip") {
			continue
		}
		n++
		b, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		if want := sums[filepath.Base(a)]; hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: SHA-256 %x, checksums.txt says %q", filepath.Base(a), got, want)
		}
	}
	if n == 0 || n != len(sums) {
		t.Errorf("%d archives in %s, %d in checksums.txt", n, *dist, len(sums))
	}
}

// TestTheLinuxArchiveServes: the binary in the Linux amd64 archive names
// the snapshot's version and the spec's, and serves.
func TestTheLinuxArchiveServes(t *testing.T) {
	var meta struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(*dist, "metadata.json")); err != nil || json.Unmarshal(b, &meta) != nil {
		t.Fatalf("dist/metadata.json: %v", err)
	}
	// A release's tag is its spec's version (CHANGELOG.md): the image tag
	// and the binary's -version are what docs/other-teams.md pins.
	if !strings.Contains(meta.Version, "SNAPSHOT") && meta.Version != specVersion(t) {
		t.Errorf("the release is %s, its openapi.yaml %s: tag the spec's version", meta.Version, specVersion(t))
	}
	archive := filepath.Join(*dist, "flexfactor-mock_"+meta.Version+"_linux_amd64.tar.gz")
	bin := filepath.Join(t.TempDir(), "flexfactor-mock")
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	untar(t, tar.NewReader(gz), "flexfactor-mock", bin)

	out, err := exec.Command(bin, "-version").Output()
	if want := "flexfactor-mock " + meta.Version + " (spec " + specVersion(t) + ")\n"; err != nil || string(out) != want {
		t.Errorf("-version: %q (%v), want %q", out, err, want)
	}
	url := smoke(t, exec.Command(bin, "-addr=127.0.0.1:0"))

	// The first test docs/other-teams.md gives a team, as written but for
	// the port: 8080 may be taken on a shared machine.
	page, err := os.ReadFile(*doc)
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(page), "Your first passing test")
	_, block, _ = strings.Cut(block, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	script := strings.Replace(block, "base=http://127.0.0.1:8080/v1\n", "base="+url+"\n", 1)
	if script == block {
		t.Fatalf("%s: no first test setting base=http://127.0.0.1:8080/v1", *doc)
	}
	if out, err := exec.Command("bash", "-euo", "pipefail", "-c", script).CombinedOutput(); err != nil {
		t.Errorf("%s's first test failed (%v):\n%s\n%s", *doc, err, script, out)
	}
}

// TestTheImageServesAsNonRoot: the linux/amd64 image of the layout runs its
// binary, as its entrypoint, as a user who is not root, on the port it
// exposes; here on loopback (a later -addr wins), as that user when the
// test may switch to it.
func TestTheImageServesAsNonRoot(t *testing.T) {
	idx, err := layout.ImageIndexFromPath(*image)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var img v1.Image
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == "amd64" {
			if img, err = idx.Image(m.Digest); err != nil {
				t.Fatal(err)
			}
		}
	}
	if img == nil {
		t.Fatalf("%s holds no linux/amd64 image", *image)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := cf.Config
	uid, gid, _ := strings.Cut(cfg.User, ":")
	u, errU := strconv.Atoi(uid)
	g, errG := strconv.Atoi(gid)
	if errU != nil || errG != nil || u == 0 || g == 0 {
		t.Fatalf("the image runs as %q, want a numeric user:group that is not root", cfg.User)
	}
	if len(cfg.Entrypoint) == 0 || cfg.Entrypoint[0] != "/flexfactor-mock" {
		t.Fatalf("entrypoint %q, want the double", cfg.Entrypoint)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok || !strings.Contains(strings.Join(cfg.Entrypoint, " "), "-addr=:8080") {
		t.Errorf("the image exposes %v and runs %q: want 8080/tcp, listened on", cfg.ExposedPorts, cfg.Entrypoint)
	}

	// Reachable by the image's user: t.TempDir and its parent are 0700.
	root := t.TempDir()
	for _, dir := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	untar(t, tar.NewReader(rc), strings.TrimPrefix(cfg.Entrypoint[0], "/"), filepath.Join(root, cfg.Entrypoint[0]))
	cmd := exec.Command(filepath.Join(root, cfg.Entrypoint[0]), append(cfg.Entrypoint[1:], "-addr=127.0.0.1:0")...)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u), Gid: uint32(g)}}
	}
	smoke(t, cmd)
}

// untar writes the tar entry name, which must be an executable regular
// file, to path.
func untar(t *testing.T, tr *tar.Reader, name, path string) {
	t.Helper()
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in the archive: %v", name, err)
		}
		if h.Name != name {
			continue
		}
		if h.Typeflag != tar.TypeReg || h.Mode&0o111 == 0 {
			t.Fatalf("%s: type %c, mode %o: want an executable file", name, h.Typeflag, h.Mode)
		}
		w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := io.Copy(w, tr); err != nil {
			t.Fatal(err)
		}
		return
	}
}

// specVersion is openapi.yaml's info.version.
func specVersion(t *testing.T) string {
	var doc struct{ Info struct{ Version string } }
	b, err := os.ReadFile(*spec)
	if err == nil {
		err = yaml.Unmarshal(b, &doc)
	}
	if err != nil || doc.Info.Version == "" {
		t.Fatalf("%s: no info.version (%v)", *spec, err)
	}
	return doc.Info.Version
}

// smoke starts the double, reads its base URL from the banner and walks
// the key lifecycle a team's test would: token, list, create, list,
// revoke, list. The double serves at the URL it returns until the test ends.
func smoke(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "base URL:"); ok {
				base <- strings.TrimSpace(u)
			}
		}
		close(base)
	}()
	var url string
	select {
	case url = <-base:
	case <-time.After(30 * time.Second):
	}
	if url == "" {
		t.Fatalf("%s printed no base URL", cmd.Path)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, token, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); resp.StatusCode != want || err != nil {
			t.Fatalf("%s %s: %d (%v), want %d", method, path, resp.StatusCode, err, want)
		}
		if got := resp.Header.Get("X-Spec-Version"); got != specVersion(t) {
			t.Errorf("%s %s: X-Spec-Version %q, want %q", method, path, got, specVersion(t))
		}
		return v
	}
	token, _ := call("POST", "/oauth2/token", "", `{"AppKey":"mock-app-key","AppSecret":"mock-app-secret"}`, 200)["accessToken"].(string)
	count := func() int {
		keys, _ := call("GET", "/api-keys/mid_123456", token, "", 200)["keys"].([]any)
		return len(keys)
	}
	before := count()
	id, _ := call("POST", "/api-keys", token, `{"mid":"mid_123456","name":"smoke","type":"secret"}`, 201)["id"].(string)
	if got := count(); got != before+1 || before == 0 {
		t.Errorf("listed %d keys, then %d after a create", before, got)
	}
	call("DELETE", "/api-keys/"+id, token, "", 200)
	if got := count(); got != before {
		t.Errorf("listed %d keys after the revoke, want %d", got, before)
	}
	return url
}

// TestTheWorkflowPublishesOnlyAfterTheTest: release.yml's goreleaser step
// uploads to a draft release, and the steps that make anything public (the
// image's push, the release out of draft) come after the step that runs
// this test against what was built.
func TestTheWorkflowPublishesOnlyAfterTheTest(t *testing.T) {
	var gr struct{ Release struct{ Draft bool } }
	var wf struct {
		Jobs map[string]struct{ Steps []struct{ Run string } }
	}
	for path, v := range map[string]any{"../../.goreleaser.yaml": &gr, "../../.github/workflows/release.yml": &wf} {
		b, err := os.ReadFile(path)
		if err == nil {
			err = yaml.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !gr.Release.Draft {
		t.Error(".goreleaser.yaml: release.draft is not true: goreleaser would publish the binaries before they are tested")
	}
	tested, published := -1, map[string]int{"crane push": -1, "--draft=false": -1}
	for i, s := range wf.Jobs["release"].Steps {
		if strings.Contains(s.Run, "go -C .ci/release test") {
			tested = i
		}
		for what := range published {
			if strings.Contains(s.Run, what) {
				published[what] = i
			}
		}
	}
	for what, i := range published {
		if tested < 0 || i <= tested {
			t.Errorf("release.yml: %q in step %d, the test in step %d: want it after the test", what, i, tested)
		}
	}
}
