package hallapi

import "net/http"

// DeviceOf returns the kiosk device id of a request carrying a valid
// "Authorization: Device id:secret" for a configured kiosk key, or "" (for
// handlers mounted with Handle that serve kiosks).
func (s *Server) DeviceOf(r *http.Request) string { return s.device(r) }

// Demo reports whether the server runs in demo mode, where the kiosk routes
// accept requests without a kiosk key.
func (s *Server) Demo() bool { return s.cfg.Demo }
