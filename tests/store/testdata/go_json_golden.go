// Prints the JSON bytes Go's encoding/json writes for the structures Ollama stores (manifest, config,
// params, messages), for tests/store/go_json_test.cpp. The struct definitions follow Ollama's field names,
// order and omitempty tags (manifest/layer.go, types/model/config.go, api/types.go). Run: go run go_json_golden.go
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

type Layer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	From      string `json:"from,omitempty"`
	Name      string `json:"name,omitempty"`
}

type Manifest struct {
	SchemaVersion int     `json:"schemaVersion"`
	MediaType     string  `json:"mediaType"`
	Config        Layer   `json:"config"`
	Layers        []Layer `json:"layers"`
}

type ConfigV2 struct {
	ModelFormat   string   `json:"model_format"`
	ModelFamily   string   `json:"model_family"`
	ModelFamilies []string `json:"model_families"`
	ModelType     string   `json:"model_type"`
	FileType      string   `json:"file_type"`
	Renderer      string   `json:"renderer,omitempty"`
	Parser        string   `json:"parser,omitempty"`
	Requires      string   `json:"requires,omitempty"`
	Architecture  string   `json:"architecture"`
	OS            string   `json:"os"`
}

type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func encode(v any) string {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		panic(err)
	}
	return b.String()
}

func main() {
	d := func(c string) string { return "sha256:" + string(bytes.Repeat([]byte(c), 64)) }
	m := Manifest{2, "application/vnd.docker.distribution.manifest.v2+json",
		Layer{MediaType: "application/vnd.docker.container.image.v1+json", Digest: d("a"), Size: 485},
		[]Layer{
			{MediaType: "application/vnd.ollama.image.model", Digest: d("b"), Size: 4661211424, From: "model.gguf"},
			{MediaType: "application/vnd.ollama.image.template", Digest: d("c"), Size: 1429},
			{MediaType: "application/vnd.ollama.image.params", Digest: d("d"), Size: 110},
		}}
	fmt.Printf("manifest %s", strconv.Quote(encode(m)))
	fmt.Println()
	c := ConfigV2{ModelFormat: "gguf", ModelFamily: "llama", ModelFamilies: []string{"llama"}, ModelType: "8.0B",
		FileType: "Q4_K_M", Requires: "0.14.0", Architecture: "amd64", OS: "linux"}
	fmt.Printf("config %s\n", strconv.Quote(encode(c)))
	// Parameters as `ollama create` sends them (float32 options) and the server stores them (float64 after
	// reading the request's JSON).
	client := map[string]any{"temperature": float32(0.7), "top_p": float32(0.123456789), "top_k": int64(40),
		"num_ctx": int64(8192), "stop": []string{"<|eot_id|>", "a&b"}, "use_mmap": true,
		"min_p": float32(0.0000001), "repeat_penalty": float32(1)}
	var server map[string]any
	if err := json.Unmarshal([]byte(encode(client)), &server); err != nil {
		panic(err)
	}
	fmt.Printf("params %s\n", strconv.Quote(encode(server)))
	msgs := []Message{{"user", "hi <there> & \u2028 \x01 \"q\" \\ \t\n\b\f"}, {"assistant", "ok \xff end"}}
	fmt.Printf("messages %s\n", strconv.Quote(encode(msgs)))
	os.Exit(0)
}
