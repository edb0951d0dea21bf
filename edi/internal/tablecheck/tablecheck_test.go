package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// A hand-written reference map in pyx12's format (not pyx12's data) and a
// table that disagrees with it in every category.
const refMap = `<transaction xid="T1">
 <loop xid="ISA_LOOP" type="explicit"><loop xid="GS_LOOP" type="explicit"><loop xid="ST_LOOP" type="explicit">
  <segment xid="ST"><usage>R</usage><pos>0100</pos><max_use>1</max_use><syntax>C0102</syntax>
   <element xid="ST01"><data_ele>143</data_ele><usage>R</usage><seq>01</seq><valid_codes><code>999</code></valid_codes></element>
   <element xid="ST02"><data_ele>329</data_ele><usage>R</usage><seq>02</seq></element>
   <element xid="ST03"><data_ele>1705</data_ele><usage>N</usage><seq>03</seq></element>
  </segment>
  <loop xid="HEADER" type="wrapper"><usage>R</usage>
   <segment xid="REF"><usage>S</usage><pos>0200</pos><max_use>1</max_use>
    <element xid="REF01"><data_ele>128</data_ele><usage>R</usage><seq>01</seq><valid_codes><code>EA</code></valid_codes></element>
   </segment>
   <segment xid="REF"><usage>S</usage><pos>0200</pos><max_use>2</max_use>
    <element xid="REF01"><data_ele>128</data_ele><usage>R</usage><seq>01</seq><valid_codes><code>D9</code><code>F8</code></valid_codes></element>
   </segment>
   <segment xid="DTP"><usage>R</usage><pos>0300</pos><max_use>1</max_use></segment>
  </loop>
  <loop xid="1000"><usage>S</usage><repeat>&gt;1</repeat>
   <segment xid="N1"><usage>R</usage><pos>0400</pos><max_use>1</max_use></segment>
  </loop>
  <segment xid="SE"><usage>R</usage><pos>0500</pos><max_use>1</max_use></segment>
 </loop></loop></loop></transaction>`

const refMaps = `<maps><version icvn="00501"><map vriic="005010X999" fic="FA" abbr="T1">t1.xml</map></version></maps>`

const refEle = `<data_elements>
 <data_ele ele_num="143" data_type="ID" min_len="3" max_len="3" name="a"/>
 <data_ele ele_num="329" data_type="AN" min_len="4" max_len="9" name="b"/>
 <data_ele ele_num="1705" data_type="AN" min_len="1" max_len="35" name="c"/>
 <data_ele ele_num="128" data_type="ID" min_len="2" max_len="3" name="d"/>
</data_elements>`

const ourDictJSON = `{"segments": {
 "ST": {"elements": [["143","a","ID",3,3,"M"],["329","b","AN",4,9,"M"],["1705","c","AN",1,35,"O"]]},
 "REF": {"elements": [["128","d","ID",2,2,"M"]]},
 "N1": {"elements": []},
 "SE": {"elements": []}}}`

const ourGuideJSON = `{"guide": "005010X999", "transaction": "999", "functionalGroup": "FA",
 "root": {"loop": "HEADER", "items": [
  {"seg": "ST", "el": {"1": "R=999", "2": "R", "3": "R"}},
  {"seg": "REF", "usage": "S", "q": "1", "el": {"1": "R=EA"}},
  {"seg": "REF", "usage": "R", "q": "1", "max": 3, "el": {"1": "R=D9"}, "why": {"max": "a reason"}},
  {"loop": "1000", "usage": "S", "max": 2, "items": [{"seg": "N1"}]},
  {"seg": "SE"}]}}`

func TestCheckFindsEveryCategory(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"maps.xml": refMaps, "dataele.xml": refEle, "t1.xml": refMap} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fstest.MapFS{
		"x/segments.json":   {Data: []byte(ourDictJSON)},
		"x/005010X999.json": {Data: []byte(ourGuideJSON)},
	}
	res, err := check(fsys, "x", dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.findings {
		got = append(got, f.Cat+" "+f.Item+" "+f.Key+" "+f.Why)
	}
	want := []string{
		"elem-usage ST 3.usage ",     // ST03 R vs N
		"usage REF*D9 usage ",        // R vs S
		"repeat REF*D9 max a reason", // recorded
		"code-list REF*D9 1.codes ",  // F8 missing
		"attributes REF 1 ",          // max length 2 vs 3
		"structure DTP seg:DTP ",     // only in the reference
		"repeat 1000 max ",           // 2 vs >1
	}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("missing finding %q in\n%s", w, joined)
		}
	}
	if res.open() != len(res.findings)-1 {
		t.Errorf("open = %d, want %d (one recorded)", res.open(), len(res.findings)-1)
	}
	var out bytes.Buffer
	res.summary(&out)
	if !strings.Contains(out.String(), "1 recorded") {
		t.Errorf("summary: %s", out.String())
	}
}

func TestAgreeingTablesHaveNoFindings(t *testing.T) {
	dir := t.TempDir()
	agree := strings.NewReplacer(`"3": "R"`, `"3": "N"`).Replace(ourGuideJSON)
	agree = strings.Replace(agree, `{"seg": "REF", "usage": "R", "q": "1", "max": 3, "el": {"1": "R=D9"}, "why": {"max": "a reason"}}`,
		`{"seg": "REF", "usage": "S", "q": "1", "max": 2, "el": {"1": "R=D9,F8"}}, {"seg": "DTP"}`, 1)
	agree = strings.Replace(agree, `"max": 2, "items"`, `"max": 0, "items"`, 1)
	d := strings.Replace(ourDictJSON, `"ID",2,2,"M"`, `"ID",2,3,"M"`, 1)
	d = strings.Replace(d, `"N1": {"elements": []},`, `"N1": {"elements": []}, "DTP": {"elements": []},`, 1)
	d = strings.Replace(d, `"ST": {"elements"`, `"ST": {"syntax": ["C0102"], "elements"`, 1)
	for name, body := range map[string]string{"maps.xml": refMaps, "dataele.xml": refEle, "t1.xml": refMap} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fstest.MapFS{"x/segments.json": {Data: []byte(d)}, "x/005010X999.json": {Data: []byte(agree)}}
	res, err := check(fsys, "x", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.findings {
		t.Errorf("unexpected finding: %s", f)
	}
}
