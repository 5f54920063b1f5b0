package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Config is everything the gateway is configured with. Each flag is also an
// environment variable; a flag given on the command line wins.
type Config struct {
	Addr         string        // --addr, RETURNSGW_ADDR
	DB           string        // --db, RETURNSGW_DB: a SQLite file path (or a postgres:// URL, not yet supported)
	Sandbox      string        // --sandbox, RETURNSGW_SANDBOX: auto, true or false
	ConfigFile   string        // --config, RETURNSGW_CONFIG: platform connections (JSON)
	Org          string        // --org, RETURNSGW_ORG: the organisation the connections belong to
	PollInterval time.Duration // --poll-interval, RETURNSGW_POLL_INTERVAL
	LogLevel     string        // --log-level, RETURNSGW_LOG_LEVEL
	LogFormat    string        // --log-format, RETURNSGW_LOG_FORMAT: json or text
	MetricsAddr  string        // --metrics-addr, RETURNSGW_METRICS_ADDR: where /metrics listens ("": off)
	Seed         int64         // --sandbox-seed, RETURNSGW_SANDBOX_SEED
	SandboxCases int           // --sandbox-cases, RETURNSGW_SANDBOX_CASES
	DemoKey      string        // --demo-key, RETURNSGW_DEMO_KEY: the sandbox's API key
	SandboxURL   string        // --sandbox-url, RETURNSGW_SANDBOX_URL: a standalone sandbox (server sandbox)
	AllowedHosts []string      // --allowed-hosts, RETURNSGW_ALLOWED_HOSTS: Host headers served
	RateLimit    float64       // --rate-limit, RETURNSGW_RATE_LIMIT: requests per second per key
	// EvidenceMaxBytes bounds one evidence file (--evidence-max-bytes,
	// RETURNSGW_EVIDENCE_MAX_BYTES); EvidenceQuotaBytes bounds all of an
	// organisation's evidence (--evidence-quota-bytes, RETURNSGW_EVIDENCE_QUOTA_BYTES; 0: none).
	EvidenceMaxBytes   int64
	EvidenceQuotaBytes int64
	// Introspection shows the schema outside sandbox mode (--introspection).
	Introspection bool
	// CORSOrigins are the browser origins allowed to call from other sites (--cors-origin).
	CORSOrigins []string

	// The PostgreSQL pool, when --db is a postgres:// URL (0: pgxpool's defaults).
	PoolMaxConns    int32         // --db-max-conns, RETURNSGW_DB_MAX_CONNS
	PoolMinConns    int32         // --db-min-conns, RETURNSGW_DB_MIN_CONNS
	PoolMaxLifetime time.Duration // --db-max-conn-lifetime, RETURNSGW_DB_MAX_CONN_LIFETIME
	PoolMaxIdle     time.Duration // --db-max-conn-idle, RETURNSGW_DB_MAX_CONN_IDLE

	// Lookback is how far back the first walk of each platform's change list
	// goes (--backfill-lookback, RETURNSGW_BACKFILL_LOOKBACK); 0 means each
	// adapter's default (30 days). A shop's own "lookback" wins.
	Lookback time.Duration
	// SandboxTokenTTL shortens the simulators' access token lifetime so that
	// a refresh can be watched (--sandbox-token-ttl, RETURNSGW_SANDBOX_TOKEN_TTL).
	SandboxTokenTTL time.Duration
	// SecretKeyFile holds the base64 key that seals stored secrets
	// (--secret-key-file, RETURNSGW_SECRET_KEY_FILE). SecretKey is the key
	// itself, from RETURNSGW_SECRET_KEY only: never a flag, which would show
	// it in the process list.
	SecretKeyFile string
	SecretKey     string

	Shops []ShopConfig // from the config file
	// Rules is the organisation's rule policy: defaults for the configurable
	// rules, overridden per shop in ShopConfig.Rules.
	Rules returns.RulePolicy
	// ShopRules are per-shop rule policies, by "PLATFORM/shop-id".
	ShopRules map[string]returns.RulePolicy
}

// PolicyFor returns the rule policy of a shop: its own if configured, else
// the organisation's.
func (c *Config) PolicyFor(platform returns.PlatformID, shopID string) returns.RulePolicy {
	if p, ok := c.ShopRules[string(platform)+"/"+shopID]; ok {
		return p
	}
	return c.Rules
}

// ShopConfig is one platform connection from the config file.
type ShopConfig struct {
	Platform    returns.PlatformID `json:"platform"`
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Market      returns.Market     `json:"market"`
	BaseURL     string             `json:"baseUrl"`
	AppID       string             `json:"appId"`
	AppSecret   string             `json:"appSecret"`
	AccessToken string             `json:"accessToken"`
	SellerID    string             `json:"sellerId"`
	// Rules overrides the organisation's rule policy for this shop.
	Rules *returns.RulePolicy `json:"rules"`
	// CategoryOverrides map the platform's category ids of this shop's
	// products to return-rules categories, over the table shipped in
	// adapters/categories (e.g. {"200000773": "HYGIENE"}).
	CategoryOverrides map[string]returns.Category `json:"categoryOverrides"`
	// Lookback is how far back this shop's first walk goes, as a Go
	// duration ("2160h" for 90 days); empty means --backfill-lookback.
	Lookback string `json:"lookback"`
	// lookback is Lookback parsed, or the flag's value.
	lookback time.Duration
}

// FileConfig is the config file's shape.
type FileConfig struct {
	Org string `json:"org"`
	// Rules overrides the defaults of the configurable rules for every shop
	// (RULES.md marks them; see returns.RulePolicy).
	Rules *returns.RulePolicy `json:"rules"`
	// Shops are the platform connections. In sandbox mode they may be left
	// out: the file then only sets the organisation and its rules.
	Shops []ShopConfig `json:"shops"`
	// ShopRules overrides the rules for shops that are not configured here,
	// such as the sandbox's, by "PLATFORM/shop-id".
	ShopRules map[string]returns.RulePolicy `json:"shopRules"`
}

type flagSpec struct {
	name, env, def, usage string
	set                   func(string) error
}

func (c *Config) specs() []flagSpec {
	return []flagSpec{
		{"addr", "RETURNSGW_ADDR", "127.0.0.1:8080", "address to listen on (host:port; :0 picks a free port; 0.0.0.0:8080 listens on every interface)", func(v string) error { c.Addr = v; return nil }},
		{"sandbox-url", "RETURNSGW_SANDBOX_URL", "", "use the standalone sandbox at this URL (started with `server sandbox`) instead of in-process simulators, so that replicas share it", func(v string) error {
			if v != "" {
				if err := checkURL(v); err != nil {
					return err
				}
			}
			c.SandboxURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"demo-key", "RETURNSGW_DEMO_KEY", "", "sandbox mode: the demo organisation's API key (default: generated once and kept in the data directory)", func(v string) error { c.DemoKey = v; return nil }},
		{"allowed-hosts", "RETURNSGW_ALLOWED_HOSTS", "", "Host headers the gateway answers, comma-separated (default: localhost, loopback addresses and the --addr host; * answers any)", func(v string) error {
			c.AllowedHosts = nil
			for _, h := range strings.Split(v, ",") {
				if h = strings.TrimSpace(h); h != "" {
					c.AllowedHosts = append(c.AllowedHosts, strings.ToLower(h))
				}
			}
			return nil
		}},
		{"introspection", "RETURNSGW_INTROSPECTION", "false", "answer introspection (and suggest field names) outside sandbox mode too", func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false")
			}
			c.Introspection = b
			return nil
		}},
		{"cors-origin", "RETURNSGW_CORS_ORIGIN", "", "browser origins allowed to call the API from other sites, comma-separated (e.g. https://admin.example.com); default none", func(v string) error {
			c.CORSOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				if err := checkURL(o); err != nil {
					return fmt.Errorf("%q: want an origin such as https://admin.example.com", o)
				}
				c.CORSOrigins = append(c.CORSOrigins, strings.TrimRight(o, "/"))
			}
			return nil
		}},
		{"rate-limit", "RETURNSGW_RATE_LIMIT", "50", "requests per second each API key may make (bursts of twice that); 0 turns the limit off", func(v string) error {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n < 0 || n > 100000 {
				return fmt.Errorf("must be a number from 0 to 100000")
			}
			c.RateLimit = n
			return nil
		}},
		{"evidence-max-bytes", "RETURNSGW_EVIDENCE_MAX_BYTES", "10485760", "largest evidence file accepted, in bytes (at most 64 MiB)", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 || n > 64<<20 {
				return fmt.Errorf("must be a number of bytes from 1 to %d", 64<<20)
			}
			c.EvidenceMaxBytes = n
			return nil
		}},
		{"evidence-quota-bytes", "RETURNSGW_EVIDENCE_QUOTA_BYTES", "1073741824", "bytes of evidence each organisation may keep; 0 turns the quota off", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("must be a number of bytes, 0 or more")
			}
			c.EvidenceQuotaBytes = n
			return nil
		}},
		{"db", "RETURNSGW_DB", "data/returnsgw.db", "SQLite database file (created if missing), or a postgres:// URL", func(v string) error { c.DB = v; return nil }},
		{"db-max-conns", "RETURNSGW_DB_MAX_CONNS", "0", "PostgreSQL: most connections in the pool (0: max(4, cores))", poolSize(&c.PoolMaxConns)},
		{"db-min-conns", "RETURNSGW_DB_MIN_CONNS", "0", "PostgreSQL: connections the pool keeps open", poolSize(&c.PoolMinConns)},
		{"db-max-conn-lifetime", "RETURNSGW_DB_MAX_CONN_LIFETIME", "0", "PostgreSQL: recycle a connection after this long (0: 1h)", optDuration(&c.PoolMaxLifetime)},
		{"db-max-conn-idle", "RETURNSGW_DB_MAX_CONN_IDLE", "0", "PostgreSQL: close a connection idle this long (0: 30m)", optDuration(&c.PoolMaxIdle)},
		{"sandbox", "RETURNSGW_SANDBOX", "auto", "run the platform simulators in-process: true, false, or auto (on when no platform connections are configured)", func(v string) error {
			switch strings.ToLower(v) {
			case "auto", "true", "false", "1", "0", "yes", "no":
				c.Sandbox = strings.ToLower(v)
				return nil
			}
			return fmt.Errorf("must be auto, true or false")
		}},
		{"config", "RETURNSGW_CONFIG", "", "JSON file with the platform connections (shops and credentials)", func(v string) error { c.ConfigFile = v; return nil }},
		{"org", "RETURNSGW_ORG", "demo", "organisation the connections and data belong to", func(v string) error {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("must not be empty")
			}
			c.Org = v
			return nil
		}},
		{"poll-interval", "RETURNSGW_POLL_INTERVAL", "", "how often each platform is polled once caught up (default 5m, 1s in sandbox mode)", func(v string) error {
			if v == "" {
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 100*time.Millisecond {
				return fmt.Errorf("must be a duration of at least 100ms, e.g. 30s")
			}
			c.PollInterval = d
			return nil
		}},
		{"log-level", "RETURNSGW_LOG_LEVEL", "info", "debug, info, warn or error", func(v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return fmt.Errorf("must be debug, info, warn or error")
		}},
		{"log-format", "RETURNSGW_LOG_FORMAT", "text", "json (one JSON object a line, for log collectors) or text", func(v string) error {
			switch v {
			case "json", "text":
				c.LogFormat = v
				return nil
			}
			return fmt.Errorf("must be json or text")
		}},
		{"metrics-addr", "RETURNSGW_METRICS_ADDR", "", "address of the Prometheus /metrics listener, e.g. 127.0.0.1:9090 (empty: off); never the public --addr", func(v string) error {
			if v != "" {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return fmt.Errorf("must be host:port, e.g. 127.0.0.1:9090")
				}
			}
			c.MetricsAddr = v
			return nil
		}},
		{"sandbox-seed", "RETURNSGW_SANDBOX_SEED", "1", "seed of the sandbox's simulated cases", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("must be an integer")
			}
			c.Seed = n
			return nil
		}},
		{"backfill-lookback", "RETURNSGW_BACKFILL_LOOKBACK", "", "how far back the first walk of each platform's change list goes, e.g. 2160h for 90 days (default 720h; each shop may set its own \"lookback\")", func(v string) error {
			if v == "" {
				return nil
			}
			d, err := parseLookback(v)
			if err != nil {
				return err
			}
			c.Lookback = d
			return nil
		}},
		{"sandbox-token-ttl", "RETURNSGW_SANDBOX_TOKEN_TTL", "", "lifetime of the access tokens the sandbox simulators issue (default: each platform's, days); e.g. 20s to watch refreshes happen", func(v string) error {
			if v == "" {
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 2*time.Second || d > 30*24*time.Hour {
				return fmt.Errorf("must be a duration from 2s to 720h, e.g. 30s")
			}
			c.SandboxTokenTTL = d
			return nil
		}},
		{"secret-key-file", "RETURNSGW_SECRET_KEY_FILE", "", "file holding the base64 32-byte key that seals stored secrets and tokens (or set RETURNSGW_SECRET_KEY; sandbox mode generates one in the data directory)", func(v string) error { c.SecretKeyFile = v; return nil }},
		{"sandbox-cases", "RETURNSGW_SANDBOX_CASES", "0", "cases each sandbox simulator seeds (0: its default, 240 on XHS and 120 on the others)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				return fmt.Errorf("must be a whole number from 0 to 100000")
			}
			c.SandboxCases = n
			return nil
		}},
	}
}

// Parse reads flags and environment into the config.
func (c *Config) Parse(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(out)
	specs := c.specs()
	values := map[string]*string{}
	for _, s := range specs {
		values[s.name] = fs.String(s.name, s.def, s.usage+" [$"+s.env+"]")
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: server [flags]\n       server secrets rotate [--db FILE] [--secret-key-file FILE] [--new-key-file FILE]\n\nRuns the returns gateway. With no configuration it starts in sandbox mode.\n\nFlags (each also an environment variable):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range specs {
		v := *values[s.name]
		if !given[s.name] {
			if e := getenv(s.env); e != "" {
				v = e
			}
		}
		if err := s.set(v); err != nil {
			return fmt.Errorf("--%s (%s) %q: %v", s.name, s.env, v, err)
		}
	}
	c.SecretKey = getenv("RETURNSGW_SECRET_KEY")
	if c.ConfigFile != "" {
		if err := c.loadFile(c.ConfigFile); err != nil {
			return err
		}
	}
	return nil
}

// maxLookback bounds a backfill: ten years of after-sales is more than any
// platform keeps.
const maxLookback = 10 * 365 * 24 * time.Hour

func parseLookback(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour || d > maxLookback {
		return 0, fmt.Errorf("must be a duration from 1h to %v, e.g. 2160h", maxLookback)
	}
	return d, nil
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var fc FileConfig
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if fc.Org != "" {
		if strings.TrimSpace(fc.Org) == "" {
			return fmt.Errorf("config file %s: org must not be blank", path)
		}
		c.Org = fc.Org
	}
	c.Rules = returns.DefaultRulePolicy()
	if fc.Rules != nil {
		if err := fc.Rules.Validate(); err != nil {
			return fmt.Errorf("config file %s: rules: %v", path, err)
		}
		c.Rules = *fc.Rules
	}
	c.ShopRules = map[string]returns.RulePolicy{}
	for key, p := range fc.ShopRules {
		platform, shop, ok := strings.Cut(key, "/")
		if !ok || !returns.PlatformID(platform).Valid() || shop == "" {
			return fmt.Errorf("config file %s: shopRules: key %q must be PLATFORM/shop-id, e.g. XHS/xhs-domestic", path, key)
		}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("config file %s: shopRules[%q]: %v", path, key, err)
		}
		c.ShopRules[key] = p
	}
	seen := map[string]bool{}
	for i, s := range fc.Shops {
		where := fmt.Sprintf("config file %s: shops[%d]", path, i)
		if !s.Platform.Valid() {
			return fmt.Errorf("%s: platform %q must be XHS, ALIBABA or ALIEXPRESS", where, s.Platform)
		}
		if s.ID == "" {
			return fmt.Errorf("%s: id is required", where)
		}
		if seen[string(s.Platform)+"/"+s.ID] {
			return fmt.Errorf("%s: shop %s/%s is configured twice", where, s.Platform, s.ID)
		}
		seen[string(s.Platform)+"/"+s.ID] = true
		for name, v := range map[string]string{"baseUrl": s.BaseURL, "appId": s.AppID, "appSecret": s.AppSecret, "accessToken": s.AccessToken} {
			if v == "" {
				return fmt.Errorf("%s: %s is required", where, name)
			}
		}
		if err := categories.ValidateOverrides(s.CategoryOverrides); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		fc.Shops[i].lookback = c.Lookback
		if s.Lookback != "" {
			d, err := parseLookback(s.Lookback)
			if err != nil {
				return fmt.Errorf("%s: lookback %q: %v", where, s.Lookback, err)
			}
			fc.Shops[i].lookback = d
		}
		if s.Rules != nil {
			if err := s.Rules.Validate(); err != nil {
				return fmt.Errorf("%s: rules: %v", where, err)
			}
			c.ShopRules[string(s.Platform)+"/"+s.ID] = *s.Rules
		}
	}
	c.Shops = fc.Shops
	return nil
}

// SandboxOn reports whether sandbox mode is on.
func (c *Config) SandboxOn() bool {
	if c.SandboxURL != "" {
		return true
	}
	switch c.Sandbox {
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	}
	return len(c.Shops) == 0
}

func poolSize(dst *int32) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return fmt.Errorf("must be a whole number from 0 to 1000")
		}
		*dst = int32(n)
		return nil
	}
}

func optDuration(dst *time.Duration) func(string) error {
	return func(v string) error {
		if v == "0" || v == "" {
			*dst = 0
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("must be 0 or a duration of at least 1s, e.g. 30m")
		}
		*dst = d
		return nil
	}
}
