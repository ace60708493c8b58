package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// writeZip writes the Windows zip to path: exe as bulkd.exe, the sample
// config and windows/INSTALL.txt from the packaging folder, the text files
// with Windows line ends.
func writeZip(path, exe, packaging string) error {
	entries := []struct {
		name, src string
		text      bool
	}{
		{"bulkd.exe", exe, false},
		{"bulkd.hcl", filepath.Join(packaging, "bulkd.hcl"), true},
		{"INSTALL.txt", filepath.Join(packaging, "windows", "INSTALL.txt"), true},
	}
	now := time.Now()
	return writeFile(path, func(f io.Writer) error {
		zw := zip.NewWriter(f)
		for _, e := range entries {
			b, err := os.ReadFile(e.src)
			if err != nil {
				return err
			}
			if e.text {
				b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: now})
			if err != nil {
				return err
			}
			if _, err := w.Write(b); err != nil {
				return fmt.Errorf("zip %s: %w", e.name, err)
			}
		}
		return zw.Close()
	})
}
