package bulkd_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadme_Layout: the README's layout lists every folder that holds Go
// code, and nothing else, so a newcomer's map is the tree as it is.
func TestReadme_Layout(t *testing.T) {
	f, err := os.Open("README.md")
	require.NoError(t, err)
	defer f.Close()
	var listed []string
	state := 0 // 0 before "Layout (", 1 before its fence, 2 in the block, 3 after
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.HasPrefix(line, "Layout ("):
			state = 1
		case state < 3 && state > 0 && line == "```":
			state++
		case state == 2 && line != "" && line[0] != ' ':
			listed = append(listed, strings.Fields(line)[0])
		}
	}
	require.NotEmpty(t, listed, "the README has a Layout block")

	var dirs []string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			dir := filepath.ToSlash(filepath.Dir(path))
			if dir != "." {
				dir += "/"
			}
			if !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(dirs)
	slices.Sort(listed)
	assert.Equal(t, dirs, listed)
}
