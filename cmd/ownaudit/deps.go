package main
import (
 _ "github.com/spf13/cobra"
 _ "github.com/goccy/go-yaml"
 _ "github.com/invopop/jsonschema"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
 _ "golang.org/x/term"
)
func main(){}
