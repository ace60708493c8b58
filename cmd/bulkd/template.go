package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
)

func (m *Main) templateFlags() (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("bulkd template", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "write the template to `FILE` instead of stdout")
	return fs, out
}

func (m *Main) templateHelp(w io.Writer) {
	fs, _ := m.templateFlags()
	printHelp(w, `Usage: bulkd template KIND [TYPE] [--out FILE]

Writes the blank template of a kind: its header row, every column, as
the importer itself declares them (a file of that header imports as an
empty file). KIND is one of `+strings.Join(registered().Names(), ", ")+`.
The objects kind has a template for each type: 'bulkd template objects
site' (TYPE is a type's slug or name; 'bulkd template objects' lists them).
`, fs)
}

// registered returns the registered kinds with their default routes.
func registered() *pipeline.Kinds {
	k, err := pipeline.NewKinds(kinds.All(), nil)
	if err != nil {
		panic(err) // the registry is static: TestKinds checks it
	}
	return k
}

// template writes a kind's blank template to stdout or --out.
func (m *Main) template(args []string) error {
	fs, out := m.templateFlags()
	operands, err := parseArgs(fs, args)
	if err != nil {
		return m.badFlags("template", err)
	}
	k := registered()
	if len(operands) == 0 || len(operands) > 2 {
		return m.usageError("template", fmt.Sprintf("want KIND [TYPE], KIND one of %s", strings.Join(k.Names(), ", ")))
	}
	spec, ok := k.Spec(bulkd.Kind(operands[0]))
	if !ok {
		return m.usageError("template", fmt.Sprintf("no kind %q: the kinds are %s", operands[0], strings.Join(k.Names(), ", ")))
	}
	if spec.Template == nil {
		return fmt.Errorf("template: the %s kind has no template", spec.Kind)
	}
	of := ""
	if len(operands) == 2 {
		of = operands[1]
	}
	var buf bytes.Buffer
	if err := spec.Template(&buf, of); err != nil {
		if bulkd.ErrorCode(err) == bulkd.EINVALID {
			return m.usageError("template", err.Error())
		}
		return fmt.Errorf("template: %w", err)
	}
	if t, err := objectType(of); spec.Kind == bulkd.KindObjects && err == nil && t.Media {
		fmt.Fprintf(m.stderr, "note: %s objects are .wav files in a ZIP; this template is of its optional %s\n", t.Name, strings.ReplaceAll(t.Name, " ", "")+"s.csv")
	}
	if *out == "" {
		_, err := m.stdout.Write(buf.Bytes())
		return err
	}
	return writeFile(*out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

// writeFile writes path atomically, readable by others as a file a
// person asked for (not the temp file's 0600).
func writeFile(path string, write func(io.Writer) error) error {
	err := fsx.WriteAtomic(path, func(f *os.File) error {
		if err := f.Chmod(0o644); err != nil {
			return err
		}
		return write(f)
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// usageError says what is wrong with verb's command line, once, and how
// to get its help: exit 2.
func (m *Main) usageError(verb, msg string) error {
	fmt.Fprintf(m.stderr, "bulkd %s: %s\nRun 'bulkd %s --help' for usage.\n", verb, msg, verb)
	return errUsage
}
