package registry

import "testing"

// TestRemoteErrorBothForms: the client reads the documented error reply
// and the {"error":"..."} of an older hall.
func TestRemoteErrorBothForms(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":{"code":"not_found","message":"未找到","detail":"registry: no licence X"}}`: "registry: no licence X",
		`{"error":{"code":"invalid","message":"请求有误"}}`:                                    "请求有误",
		`{"error":"registry: no licence X"}`:                                               "registry: no licence X",
		`not json`:                                                                         "",
	} {
		if got := remoteError([]byte(body)); got != want {
			t.Errorf("remoteError(%s) = %q, want %q", body, got, want)
		}
	}
}
