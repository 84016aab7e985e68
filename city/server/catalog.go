package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"hallkiosk/city/store"
	"hallkiosk/city/wire"
	"hallkiosk/queue/catalog"
)

// handleCatalogPull answers a site's signed pull of the catalogue.
func (s *Server) handleCatalogPull(w http.ResponseWriter, r *http.Request) {
	body, site, ok := s.signed(w, r, 4096)
	if !ok {
		return
	}
	var req wire.CatalogPull
	if err := json.Unmarshal(body, &req); err != nil || req.Site != site.ID {
		s.refuse(w, r, http.StatusBadRequest, "malformed", "city: catalogue pull: bad body or another site")
		return
	}
	c, version, err := s.st.CatalogFor(r.Context(), site.ID)
	if err != nil {
		s.log.Error("city: catalogue", "site", site.ID, "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: catalogue")
		return
	}
	rep := wire.CatalogReply{Version: version}
	if c != nil && version != req.Have {
		rep.Catalog, _ = json.Marshal(c)
	}
	writeJSON(w, rep)
}

// signed reads a body of at most max bytes and checks the site signature,
// time, nonce and revocation, answering the refusal itself.
func (s *Server) signed(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *store.Site, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil || int64(len(body)) > max {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", "city: body too large")
		return nil, nil, false
	}
	sig, err := wire.ParseSigned(r)
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, "unauthenticated", "city: "+err.Error())
		return nil, nil, false
	}
	site, err := s.st.Site(r.Context(), sig.Site)
	if err != nil || site.PublicKey == nil {
		s.refuse(w, r, http.StatusUnauthorized, "unknown_site", "city: unknown or unenrolled site")
		return nil, nil, false
	}
	if !sig.Verify(r, body, site.PublicKey) {
		s.refuse(w, r, http.StatusUnauthorized, "bad_signature", "city: signature does not match (forged or altered)")
		return nil, nil, false
	}
	if site.Revoked {
		s.refuse(w, r, http.StatusForbidden, "revoked", "city: site revoked")
		return nil, nil, false
	}
	now := s.opts.Now()
	if d := now.Sub(timeMS(sig.TimeMS)); d > SkewWindow || d < -SkewWindow {
		s.refuse(w, r, http.StatusUnauthorized, "clock_skew", "city: request time too far from city time")
		return nil, nil, false
	}
	if !s.checkNonce(sig.Site, sig.Nonce, sig.TimeMS, now) {
		s.refuse(w, r, http.StatusUnauthorized, "replay", "city: request replayed (nonce seen)")
		return nil, nil, false
	}
	return body, site, true
}

func (s *Server) handlePublishCatalog(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: catalogue: "+err.Error())
		return
	}
	c, err := catalog.Parse(data)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	v, err := s.st.PublishCatalog(r.Context(), c)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	writeJSON(w, map[string]any{"version": v})
}

func (s *Server) handleOverride(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site     string        `json:"site"`
		Override wire.Override `json:"override"`
	}
	if err := decodeStrict(r, 1<<20, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	rev, err := s.st.SetOverride(r.Context(), req.Site, &req.Override)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "not_found", err.Error())
		return
	} else if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	writeJSON(w, map[string]any{"site": req.Site, "rev": rev})
}

// handleCatalogVersions lists, per site, the version it should run and
// the one it reports running.
func (s *Server) handleCatalogVersions(w http.ResponseWriter, r *http.Request) {
	sites, err := s.st.Sites(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", "city: sites")
		return
	}
	type row struct {
		Site    string `json:"site"`
		Want    string `json:"want"`
		Running string `json:"running"`
		Current bool   `json:"current"`
	}
	out := []row{}
	for _, st := range sites {
		_, want, err := s.st.CatalogFor(r.Context(), st.ID)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "internal", "city: catalogue")
			return
		}
		out = append(out, row{st.ID, want, st.Status.CatalogVersion, want != "" && want == st.Status.CatalogVersion})
	}
	writeJSON(w, out)
}
