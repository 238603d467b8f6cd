package flexapi_test

import (
	"context"
	"fmt"
	"log"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// Creating a key, reading its value once, finding it in the listing by
// name and last four characters, and revoking it. The FlexFactor double
// stands in for the API.
func ExampleClient_CreateAPIKey() {
	srv := flexapitest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	key, err := client.CreateAPIKey(ctx, flexapi.NewAPIKey{
		MID: "mid_123456", Name: "Backend", Type: flexapi.NewAPIKeyTypeSecret,
	})
	if err != nil {
		log.Fatal(err)
	}
	value := key.Value.Reveal() // store it now: FlexFactor never shows it again
	fmt.Println(len(value) > 4, fmt.Sprint(key.Value) == "[REDACTED]…"+key.Value.LastFour())

	list, err := client.ListAPIKeys(ctx, "mid_123456")
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range list.Keys {
		if k.Name == key.Name && k.LastFour == key.Value.LastFour() {
			fmt.Println("listed:", k.Type, "never used:", k.LastUsed == nil)
		}
	}
	fmt.Println(client.RevokeAPIKey(ctx, key.ID))
	// Output:
	// true true
	// listed: secret never used: true
	// <nil>
}
