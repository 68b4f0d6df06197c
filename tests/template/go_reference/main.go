// go_reference renders Go text/template cases with Go's own text/template, as the oracle for corral's
// Go-template interpreter (tests/template/go_template_test.cpp). It reads a JSON array of cases on stdin
// and writes a JSON array of results on stdout.
//
// A case is {"name", "mode", "template", "data", "now"}:
//   - mode "plain": data (any JSON) is the template's dot, executed with Option("missingkey=zero") and
//     the functions Ollama adds (json, currentDate, yesterdayDate, toTypeScriptType).
//   - mode "ollama": data is a chat request ({"messages", "tools", "think", "prompt", "suffix"}) and the
//     template runs the way Ollama's template.Execute runs it (template/template.go, server/prompt.go):
//     messages collated, the .Messages path or the legacy .System/.Prompt/.Response path, image tags.
//
// This is corral's own restatement of that behaviour for testing; it is not Ollama's code.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

type testCase struct {
	Name     string          `json:"name"`
	Mode     string          `json:"mode"`
	Template string          `json:"template"`
	Data     json.RawMessage `json:"data"`
	Now      string          `json:"now"`
}

type result struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Out  string `json:"out"`
	Err  string `json:"err"`
}

// --- Ollama's API types, as far as templates see them ---

type propertyType []string

func (p *propertyType) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*p = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*p = many
	return nil
}

func (p propertyType) MarshalJSON() ([]byte, error) {
	if len(p) == 1 {
		return json.Marshal(p[0])
	}
	return json.Marshal([]string(p))
}

func (p propertyType) String() string {
	if len(p) == 0 {
		return ""
	}
	if len(p) == 1 {
		return p[0]
	}
	return fmt.Sprintf("%v", []string(p))
}

type toolProperty struct {
	AnyOf       []toolProperty          `json:"anyOf,omitempty"`
	Type        propertyType            `json:"type,omitempty"`
	Items       any                     `json:"items,omitempty"`
	Description string                  `json:"description,omitempty"`
	Enum        []any                   `json:"enum,omitempty"`
	Properties  map[string]toolProperty `json:"properties,omitempty"`
	Required    []string                `json:"required,omitempty"`
}

func typeScriptName(t string) string {
	switch t {
	case "string":
		return "string"
	case "number", "integer":
		return "number"
	case "boolean":
		return "boolean"
	case "array":
		return "any[]"
	case "object":
		return "Record<string, any>"
	case "null":
		return "null"
	}
	return "any"
}

func (p toolProperty) typeScript() string {
	var parts []string
	if len(p.AnyOf) > 0 {
		for _, a := range p.AnyOf {
			parts = append(parts, a.typeScript())
		}
		return strings.Join(parts, " | ")
	}
	if len(p.Type) == 0 {
		return "any"
	}
	for _, t := range p.Type {
		parts = append(parts, typeScriptName(t))
	}
	return strings.Join(parts, " | ")
}

type apiTool struct {
	Type     string `json:"type"`
	Items    any    `json:"items"`
	Function struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Parameters  struct {
			Type       string                  `json:"type"`
			Defs       any                     `json:"$defs"`
			Items      any                     `json:"items"`
			Required   []string                `json:"required"`
			Properties map[string]toolProperty `json:"properties"`
		} `json:"parameters"`
	} `json:"function"`
}

type apiToolCall struct {
	ID       string `json:"id"`
	Function struct {
		Index     int            `json:"index"`
		Name      string         `json:"name"`
		Arguments map[string]any `json:"arguments"`
	} `json:"function"`
}

type apiMessage struct {
	Role       string        `json:"role"`
	Content    string        `json:"content"`
	Thinking   string        `json:"thinking"`
	Images     []string      `json:"images"`
	ToolCalls  []apiToolCall `json:"tool_calls"`
	ToolName   string        `json:"tool_name"`
	ToolCallID string        `json:"tool_call_id"`
}

type chatRequest struct {
	Messages []apiMessage `json:"messages"`
	Tools    []apiTool    `json:"tools"`
	Think    any          `json:"think"`
	Prompt   string       `json:"prompt"`
	Suffix   string       `json:"suffix"`
}

// --- what the template gets (Ollama's templateMessage & co.) ---

type templateArgs map[string]any

func (a templateArgs) String() string {
	if a == nil {
		return "{}"
	}
	b, _ := json.Marshal(a)
	return string(b)
}

type templateProperties map[string]toolProperty

func (p templateProperties) String() string {
	if p == nil {
		return "{}"
	}
	b, _ := json.Marshal(p)
	return string(b)
}

type templateToolCall struct {
	ID       string
	Function struct {
		Index     int
		Name      string
		Arguments templateArgs
	}
}

type templateMessage struct {
	Role       string
	Content    string
	Thinking   string
	Images     []string
	ToolCalls  []templateToolCall
	ToolName   string
	ToolCallID string
}

type templateTool struct {
	Type     string `json:"type"`
	Items    any    `json:"items,omitempty"`
	Function struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Parameters  struct {
			Type       string             `json:"type"`
			Defs       any                `json:"$defs,omitempty"`
			Items      any                `json:"items,omitempty"`
			Required   []string           `json:"required,omitempty"`
			Properties templateProperties `json:"properties"`
		} `json:"parameters"`
	} `json:"function"`
}

func (t templateTool) String() string {
	b, _ := json.Marshal(t)
	return string(b)
}

type templateTools []templateTool

func (t templateTools) String() string {
	b, _ := json.Marshal(t)
	return string(b)
}

var now time.Time

var funcs = template.FuncMap{
	"json": func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	},
	"currentDate":   func(args ...string) string { return now.Format("2006-01-02") },
	"yesterdayDate": func(args ...string) string { return now.AddDate(0, 0, -1).Format("2006-01-02") },
	"toTypeScriptType": func(v any) string {
		if p, ok := v.(toolProperty); ok {
			return p.typeScript()
		}
		return "any"
	},
}

func parseTemplate(text string) (*template.Template, error) {
	return template.New("").Option("missingkey=zero").Funcs(funcs).Parse(text)
}

// identifiers lists the field and variable names a tree mentions, lower-cased (Ollama's Vars()).
func identifiers(n parse.Node, into map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				identifiers(c, into)
			}
		}
	case *parse.ActionNode:
		identifiers(n.Pipe, into)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			identifiers(n.Pipe, into)
		}
	case *parse.IfNode:
		identifiers(&n.BranchNode, into)
	case *parse.RangeNode:
		identifiers(&n.BranchNode, into)
	case *parse.WithNode:
		identifiers(&n.BranchNode, into)
	case *parse.BranchNode:
		identifiers(n.Pipe, into)
		identifiers(n.List, into)
		if n.ElseList != nil {
			identifiers(n.ElseList, into)
		}
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			for _, a := range c.Args {
				identifiers(a, into)
			}
		}
	case *parse.FieldNode:
		for _, id := range n.Ident {
			into[strings.ToLower(id)] = true
		}
	case *parse.VariableNode:
		for _, id := range n.Ident {
			into[strings.ToLower(id)] = true
		}
	}
}

func vars(t *template.Template) map[string]bool {
	set := map[string]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			identifiers(tt.Tree.Root, set)
		}
	}
	return set
}

// cutAfterResponse drops every node from the first field mentioning Response onwards (Ollama's
// deleteNode predicate), so the last legacy turn ends where the model's answer goes.
func cutAfterResponse(n parse.Node, cut *bool) parse.Node {
	// The Response field itself stays (it prints the answer so far); what follows it goes.
	if f, ok := n.(*parse.FieldNode); ok {
		for _, id := range f.Ident {
			if id == "Response" {
				*cut = true
				return n
			}
		}
	}
	if *cut {
		return nil
	}
	switch t := n.(type) {
	case *parse.ListNode:
		var kept []parse.Node
		for _, c := range t.Nodes {
			if k := cutAfterResponse(c, cut); k != nil {
				kept = append(kept, k)
			}
		}
		t.Nodes = kept
		return t
	case *parse.IfNode:
		cutBranch(&t.BranchNode, cut)
	case *parse.WithNode:
		cutBranch(&t.BranchNode, cut)
	case *parse.RangeNode:
		cutBranch(&t.BranchNode, cut)
	case *parse.ActionNode:
		p := cutAfterResponse(t.Pipe, cut)
		if p == nil {
			return nil
		}
		t.Pipe = p.(*parse.PipeNode)
	case *parse.PipeNode:
		var cmds []*parse.CommandNode
		for _, c := range t.Cmds {
			var args []parse.Node
			for _, a := range c.Args {
				if k := cutAfterResponse(a, cut); k != nil {
					args = append(args, k)
				}
			}
			if len(args) == 0 {
				return nil
			}
			c.Args = args
			cmds = append(cmds, c)
		}
		if len(cmds) == 0 {
			return nil
		}
		t.Cmds = cmds
	}
	return n
}

func cutBranch(b *parse.BranchNode, cut *bool) {
	// The branch's pipeline is walked too (Ollama walks the BranchNode itself, whose predicate sees no
	// FieldNode, then its lists).
	b.List = cutAfterResponse(b.List, cut).(*parse.ListNode)
	if b.ElseList != nil {
		b.ElseList = cutAfterResponse(b.ElseList, cut).(*parse.ListNode)
	}
}

func renderOllama(text string, raw json.RawMessage) (string, error) {
	var req chatRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", err
	}
	tmpl, err := parseTemplate(text)
	if err != nil {
		return "", err
	}
	v := vars(tmpl)
	if !v["messages"] && !v["response"] {
		tmpl.Tree.Root.Nodes = append(tmpl.Tree.Root.Nodes, &parse.ActionNode{
			NodeType: parse.NodeAction,
			Pipe: &parse.PipeNode{NodeType: parse.NodePipe, Cmds: []*parse.CommandNode{{
				NodeType: parse.NodeCommand,
				Args:     []parse.Node{&parse.FieldNode{NodeType: parse.NodeField, Ident: []string{"Response"}}},
			}}},
		})
	}
	think, level := false, ""
	switch t := req.Think.(type) {
	case bool:
		think = t
		if t {
			level = "medium"
		}
	case string:
		think = t == "high" || t == "medium" || t == "low" || t == "max"
		level = t
	}
	isThinkSet := req.Think != nil

	// Image tags (server/prompt.go): each image becomes [img-N], replacing an [img] placeholder or
	// prefixing the content.
	imageID := 0
	for i := range req.Messages {
		m := &req.Messages[i]
		m.Role = strings.ToLower(m.Role)
		prefix, content := "", m.Content
		for range m.Images {
			tag := fmt.Sprintf("[img-%d]", imageID)
			imageID++
			if !strings.Contains(content, "[img]") {
				prefix += tag
			} else {
				content = strings.Replace(content, "[img]", tag, 1)
			}
		}
		m.Content = prefix + content
	}

	// collate: system messages joined; consecutive same-role messages (not tool) merged with a blank line.
	var systems []string
	var collated []*apiMessage
	for i := range req.Messages {
		m := &req.Messages[i]
		if m.Role == "system" {
			systems = append(systems, m.Content)
		}
		if len(collated) > 0 && collated[len(collated)-1].Role == m.Role && m.Role != "tool" {
			collated[len(collated)-1].Content += "\n\n" + m.Content
		} else {
			collated = append(collated, m)
		}
	}
	system := strings.Join(systems, "\n\n")

	var b bytes.Buffer
	if req.Prompt != "" && req.Suffix != "" {
		err := tmpl.Execute(&b, map[string]any{"Prompt": req.Prompt, "Suffix": req.Suffix, "Response": "",
			"Think": think, "ThinkLevel": level, "IsThinkSet": isThinkSet})
		return b.String(), err
	}
	if v["messages"] {
		var msgs []*templateMessage
		for _, m := range collated {
			tm := &templateMessage{Role: m.Role, Content: m.Content, Thinking: m.Thinking, Images: m.Images,
				ToolName: m.ToolName, ToolCallID: m.ToolCallID}
			for _, c := range m.ToolCalls {
				var tc templateToolCall
				tc.ID = c.ID
				tc.Function.Index = c.Function.Index
				tc.Function.Name = c.Function.Name
				tc.Function.Arguments = templateArgs(c.Function.Arguments)
				tm.ToolCalls = append(tm.ToolCalls, tc)
			}
			msgs = append(msgs, tm)
		}
		var tools templateTools
		if req.Tools != nil {
			tools = templateTools{}
			for _, t := range req.Tools {
				var tt templateTool
				tt.Type, tt.Items = t.Type, t.Items
				tt.Function.Name, tt.Function.Description = t.Function.Name, t.Function.Description
				tt.Function.Parameters.Type = t.Function.Parameters.Type
				tt.Function.Parameters.Defs = t.Function.Parameters.Defs
				tt.Function.Parameters.Items = t.Function.Parameters.Items
				tt.Function.Parameters.Required = t.Function.Parameters.Required
				tt.Function.Parameters.Properties = templateProperties(t.Function.Parameters.Properties)
				tools = append(tools, tt)
			}
		}
		err := tmpl.Execute(&b, map[string]any{"System": system, "Messages": msgs, "Tools": tools, "Response": "",
			"Think": think, "ThinkLevel": level, "IsThinkSet": isThinkSet})
		return b.String(), err
	}

	// Legacy templates run once per system/user/assistant turn; the last turn is cut after .Response.
	data := func(s, p, r string) map[string]any {
		return map[string]any{"System": s, "Prompt": p, "Response": r, "Think": think, "ThinkLevel": level,
			"IsThinkSet": isThinkSet}
	}
	var sys, prompt, response string
	flush := func() error {
		if err := tmpl.Execute(&b, data(sys, prompt, response)); err != nil {
			return err
		}
		sys, prompt, response = "", "", ""
		return nil
	}
	for _, m := range collated {
		switch m.Role {
		case "system":
			if prompt != "" || response != "" {
				if err := flush(); err != nil {
					return "", err
				}
			}
			sys = m.Content
		case "user":
			if response != "" {
				if err := flush(); err != nil {
					return "", err
				}
			}
			prompt = m.Content
		case "assistant":
			response = m.Content
		}
	}
	cut := false
	var root *parse.ListNode
	if err := func() (err error) {
		// Ollama's deleteNode panics when a cut empties an {{else}} branch; report that as an error.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("cannot cut the template after .Response: %v", r)
			}
		}()
		root = cutAfterResponse(tmpl.Tree.Root.Copy(), &cut).(*parse.ListNode)
		return nil
	}(); err != nil {
		return "", err
	}
	last, err := template.New("").Option("missingkey=zero").Funcs(funcs).AddParseTree("", &parse.Tree{Root: root})
	if err != nil {
		return "", err
	}
	if err := last.Execute(&b, data(sys, prompt, response)); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderPlain(text string, raw json.RawMessage) (string, error) {
	var data any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &data); err != nil {
			return "", err
		}
	}
	tmpl, err := parseTemplate(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = tmpl.Execute(&b, data)
	return b.String(), err
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var cases []testCase
	if err := json.Unmarshal(input, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "go_reference: bad input:", err)
		os.Exit(2)
	}
	results := make([]result, 0, len(cases))
	for _, c := range cases {
		now = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		if c.Now != "" {
			if t, err := time.Parse("2006-01-02", c.Now); err == nil {
				now = t
			}
		}
		var out string
		if c.Mode == "ollama" {
			out, err = renderOllama(c.Template, c.Data)
		} else {
			out, err = renderPlain(c.Template, c.Data)
		}
		r := result{Name: c.Name, OK: err == nil, Out: out}
		if err != nil {
			r.Err = err.Error()
		}
		results = append(results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		panic(err)
	}
}
