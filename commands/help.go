package commands

import (
	"fmt"
	"io"
	"strings"
)

// chatHelp explains the one thing that is not a command.
const chatHelp = "Any line that does not start with / is chat, sent to everyone in the session (start it with // to send a line beginning with /)."

// HelpText returns what "/help" (topic "") or "/help TOPIC" prints.
func HelpText(topic string) string {
	var b strings.Builder
	if topic != "" {
		c := lookup(topic)
		if c == nil {
			return unknownCommand("/" + topic).Error()
		}
		fmt.Fprintf(&b, "usage: %s\n%s\n", c.usage(), capitalize(c.help))
		if len(c.aliases) > 0 {
			fmt.Fprintf(&b, "Also spelled: /%s\n", strings.Join(c.aliases, ", /"))
		}
		if c.more != "" {
			fmt.Fprintf(&b, "%s\n", c.more)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	width := 0
	for _, c := range table {
		width = max(width, len(c.usage()))
	}
	b.WriteString("commands:\n")
	for _, c := range table {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.usage(), c.help)
	}
	b.WriteString(chatHelp)
	return b.String()
}

// WriteMarkdown writes the command reference for the README, generated
// from the same table as /help so the two cannot drift apart.
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Command | What it does |\n|---|---|\n")
	for _, c := range table {
		desc := capitalize(c.help) + "."
		if c.more != "" {
			desc += " " + c.more
		}
		fmt.Fprintf(&b, "| `%s`%s | %s |\n", cell(c.usage()), aliasNote(c), cell(desc))
	}
	fmt.Fprintf(&b, "\n%s\n", chatHelp)
	_, err := io.WriteString(w, b.String())
	return err
}

// cell escapes the pipes in a table cell; GitHub's Markdown unescapes
// them inside code spans too.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func aliasNote(c *command) string {
	if len(c.aliases) == 0 {
		return ""
	}
	return " (also `/" + strings.Join(c.aliases, "`, `/") + "`)"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
