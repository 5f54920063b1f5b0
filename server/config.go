package main

import (
	"encoding/json"
	"flag"
	"fmt"
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

	// The PostgreSQL pool, when --db is a postgres:// URL (0: pgxpool's defaults).
	PoolMaxConns    int32         // --db-max-conns, RETURNSGW_DB_MAX_CONNS
	PoolMinConns    int32         // --db-min-conns, RETURNSGW_DB_MIN_CONNS
	PoolMaxLifetime time.Duration // --db-max-conn-lifetime, RETURNSGW_DB_MAX_CONN_LIFETIME
	PoolMaxIdle     time.Duration // --db-max-conn-idle, RETURNSGW_DB_MAX_CONN_IDLE

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
		{"addr", "RETURNSGW_ADDR", ":8080", "address to listen on (host:port; :0 picks a free port)", func(v string) error { c.Addr = v; return nil }},
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
		fmt.Fprintf(out, "Usage: server [flags]\n\nRuns the returns gateway. With no configuration it starts in sandbox mode.\n\nFlags (each also an environment variable):\n")
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
	if c.ConfigFile != "" {
		if err := c.loadFile(c.ConfigFile); err != nil {
			return err
		}
	}
	return nil
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
