package bulkd_test

import (
	"encoding/json"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetadata_JSON(t *testing.T) {
	for _, tc := range []struct {
		m    bulkd.Metadata
		want string
	}{
		{bulkd.Metadata{}, `{}`},
		{bulkd.Metadata{{Name: "z", Value: "1"}, {Name: "a", Value: `say "hi"`}}, `{"z":"1","a":"say \"hi\""}`},
		{bulkd.Metadata{{Name: "same", Value: "same"}, {Name: "", Value: ""}}, `{"same":"same","":""}`},
	} {
		b, err := json.Marshal(tc.m)
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(b), "an object, in the order given")
		var back bulkd.Metadata
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, tc.m, back)
	}
	var m bulkd.Metadata
	assert.Error(t, json.Unmarshal([]byte(`["a"]`), &m))
}
