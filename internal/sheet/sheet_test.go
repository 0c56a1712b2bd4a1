package sheet

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var table = [][]string{
	{"key", "en", "nl"},
	{"statement.1", `=HYPERLINK("http://x")`, "+31 is the code"},
	{"statement.2", "Two\nlines, \"quoted\"", ""},
	{"statement.3", "@home", "-5 %"},
}

// TestRoundTrip: what is written comes back the same, in both formats;
// the CSV holds no live formula.
func TestRoundTrip(t *testing.T) {
	var csvBuf, xlsxBuf bytes.Buffer
	if err := WriteCSV(&csvBuf, table); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csvBuf.String(), "\uFEFFkey,en,nl") || !strings.Contains(csvBuf.String(), `"'=HYPERLINK(""http://x"")",'+31 is the code`) {
		t.Errorf("CSV:\n%s", csvBuf.String())
	}
	if err := WriteXLSX(&xlsxBuf, "Translations", table, []float64{16, 60, 60}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"csv": csvBuf.Bytes(), "xlsx": xlsxBuf.Bytes()} {
		got, err := Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// A workbook leaves out empty cells at the end of a row.
		for i := range got {
			for len(got[i]) < len(table[i]) {
				got[i] = append(got[i], "")
			}
		}
		if !reflect.DeepEqual(got, table) {
			t.Errorf("%s read back %q", name, got)
		}
	}
}

func TestReadErrors(t *testing.T) {
	var re ReadError
	if _, err := Read(strings.NewReader("a,b\n\"open")); !errors.As(err, &re) || re.Row != 2 {
		t.Errorf("broken quote: %v", err)
	}
	if _, err := Read(strings.NewReader("a,\xff\n")); !errors.As(err, &re) || !strings.Contains(re.Message, "UTF-8") {
		t.Errorf("not UTF-8: %v", err)
	}
	if _, err := Read(strings.NewReader("PK\x03\x04 not really")); !errors.As(err, &re) || !strings.Contains(re.Message, "XLSX") {
		t.Errorf("broken workbook: %v", err)
	}
}
