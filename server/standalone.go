package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// The standalone sandbox: the simulated platforms in a process of their own,
// so that several gateway replicas share them (server sandbox, and the
// gateway's --sandbox-url).

// platformsPath lists a standalone sandbox's simulators: the base URL an
// adapter of each platform is configured with.
const platformsPath = "/sandbox/platforms"

// pushURLPath sets where the XHS simulator pushes (POST {"url": ...}).
const pushURLPath = "/sandbox/push-url"

// runSandboxCommand runs `server sandbox`: the simulators, /sandbox/simulate,
// /sandbox/platforms, /sandbox/push-url and /healthz, until ctx ends.
func runSandboxCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	push := fs.String("push-url", "", "where the XHS simulator pushes: the gateway's (or its load balancer's) /webhooks/xhs")
	seed := fs.Int64("sandbox-seed", 1, "seed of the simulated cases")
	cases := fs.Int("sandbox-cases", 0, "cases each simulator seeds (0: its default)")
	ttl := fs.Duration("sandbox-token-ttl", 0, "lifetime of the simulators' access tokens (0: each platform's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cases < 0 || *cases > 100000 {
		fmt.Fprintln(stderr, "server sandbox: --sandbox-cases must be from 0 to 100000")
		return 2
	}
	sb, ln, err := serveSandbox(*addr, SandboxOptions{Seed: *seed, Cases: *cases, TokenTTL: *ttl, Now: time.Now}, *push)
	if err != nil {
		fmt.Fprintln(stderr, "server sandbox:", err)
		return 1
	}
	defer sb.Close()
	fmt.Fprintf(stdout, "sandbox: the simulated platforms at http://%s (a gateway takes --sandbox-url http://%s)\n", ln.Addr(), ln.Addr())
	<-ctx.Done()
	return 0
}

// serveSandbox starts the simulators and serves the sandbox's routes on addr.
func serveSandbox(addr string, o SandboxOptions, pushURL string) (*Sandbox, net.Listener, error) {
	sb := &Sandbox{URLs: map[returns.PlatformID]string{}}
	if err := sb.startSimulators(o); err != nil {
		sb.Close()
		return nil, nil, err
	}
	if pushURL != "" {
		if err := checkURL(pushURL); err != nil {
			sb.Close()
			return nil, nil, fmt.Errorf("--push-url: %w", err)
		}
		sb.XHS.SetPushURL(pushURL)
	}
	mux := http.NewServeMux()
	sb.routes(mux)
	mux.HandleFunc("GET "+platformsPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sb.URLs)
	})
	mux.HandleFunc("POST "+pushURLPath, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil || checkURL(body.URL) != nil {
			writeJSON(w, http.StatusBadRequest, simError{Error: "want {\"url\": \"http://host:port/webhooks/xhs\"}"})
			return
		}
		sb.XHS.SetPushURL(body.URL)
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		sb.Close()
		return nil, nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	sb.closers = append(sb.closers, srv.Close)
	return sb, ln, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http(s) URL")
	}
	return nil
}

// remoteSandbox connects adapters to a standalone sandbox's simulators.
func remoteSandbox(ctx context.Context, base string, o SandboxOptions) (*Sandbox, error) {
	if err := checkURL(base); err != nil {
		return nil, fmt.Errorf("--sandbox-url: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+platformsPath, nil)
	if err != nil {
		return nil, fmt.Errorf("--sandbox-url: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--sandbox-url: the sandbox does not answer: %w", err)
	}
	defer resp.Body.Close()
	sb := &Sandbox{URLs: map[returns.PlatformID]string{}}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("--sandbox-url: %s answered %d", platformsPath, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&sb.URLs); err != nil {
		return nil, fmt.Errorf("--sandbox-url: %s: %w", platformsPath, err)
	}
	for _, p := range []returns.PlatformID{returns.XHS, returns.AliExpress, returns.Alibaba} {
		if checkURL(sb.URLs[p]) != nil {
			return nil, fmt.Errorf("--sandbox-url: no simulator of %s", p)
		}
	}
	if err := sb.connect(o); err != nil {
		return nil, err
	}
	return sb, nil
}
