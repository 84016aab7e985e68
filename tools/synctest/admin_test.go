package synctest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	qsync "hallkiosk/queue/sync"
)

func TestAdminHandler(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	adm := httptest.NewServer(qsync.NewAdminHandler(th.sync))
	defer adm.Close()
	post := func(route, body string) (int, map[string]any) {
		resp, err := http.Post(adm.URL+"/api/v1/admin/sync/"+route, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, m := post("codes", `{"kiosk":"乡镇1号机","hours":2}`)
	if code != 200 {
		t.Fatalf("codes: %d %v", code, m)
	}
	newKiosk(t, th, th.url, nil) // each enrols with a code of its own
	newKiosk(t, th, th.url, nil)
	resp, err := http.Get(adm.URL + "/api/v1/admin/sync/devices")
	if err != nil {
		t.Fatal(err)
	}
	var devs struct{ Devices []qsync.DeviceInfo }
	json.NewDecoder(resp.Body).Decode(&devs)
	resp.Body.Close()
	if len(devs.Devices) != 2 || devs.Devices[0].Index != 1 || devs.Devices[1].Index != 2 {
		t.Fatalf("devices %+v", devs)
	}
	if code, m := post("revoke", `{"device":"`+devs.Devices[1].ID+`"}`); code != 200 {
		t.Fatalf("revoke: %d %v", code, m)
	}
	if code, _ := post("revoke", `{"device":"k-0000000000000000"}`); code != 404 {
		t.Fatalf("revoke unknown: %d", code)
	}
	if code, _ := post("codes", `{"kiosk":`); code != 400 {
		t.Fatalf("malformed: %d", code)
	}
	d, _ := th.sync.Devices(ctx)
	if !d[1].Revoked || d[0].Revoked {
		t.Fatalf("after revoke %+v", d)
	}
}
