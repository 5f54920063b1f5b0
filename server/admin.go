package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/returns"
)

// adminUsage lists the operator's commands; they work on the database
// directly, so they need no running gateway and no key.
const adminUsage = `usage:
  server orgs create ID [--name NAME]
  server orgs list
  server keys create --org ORG --scopes read,write,subscribe,admin [--name NAME]
  server keys list --org ORG
  server keys revoke --org ORG KEY-ID
every command also takes --db (default $RETURNSGW_DB or data/returnsgw.db)`

// isAdminCommand reports whether the arguments name an operator command.
func isAdminCommand(args []string) bool {
	return len(args) > 0 && (args[0] == "orgs" || args[0] == "keys")
}

// runAdmin runs an operator command and returns the process's exit code.
func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, adminUsage)
		return 2
	}
	noun, verb := args[0], args[1]
	fs := flag.NewFlagSet("server "+noun+" "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbDefault := getenv("RETURNSGW_DB")
	if dbDefault == "" {
		dbDefault = "data/returnsgw.db"
	}
	db := fs.String("db", dbDefault, "SQLite database file")
	org := fs.String("org", "", "organisation")
	name := fs.String("name", "", "what it is for")
	scopes := fs.String("scopes", "", "comma-separated scopes: read, write, subscribe, admin")
	// Flags may come before or after the one positional argument.
	var pos []string
	rest := args[2:]
	for {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	st, err := openDB(ctx, *db)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	defer st.Close()
	svc := auth.New(st, auth.Options{})

	err = func() error {
		switch noun + " " + verb {
		case "orgs create":
			if len(pos) != 1 {
				return usageError("orgs create takes one organisation id")
			}
			o, err := svc.CreateOrg(ctx, returns.OrgID(pos[0]), *name)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created organisation %s\n", o.ID)
		case "orgs list":
			orgs, err := svc.ListOrgs(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", o.ID, o.Name, o.CreatedAt.Format(time.RFC3339))
			}
			tw.Flush()
		case "keys create":
			if *org == "" {
				return usageError("keys create needs --org")
			}
			sc, err := auth.ParseScopes(*scopes)
			if err != nil {
				return err
			}
			key, rec, err := svc.CreateKey(ctx, returns.OrgID(*org), *name, sc)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created key %s for %s with scopes %s; it is shown once, store it now:\n",
				rec.ID, rec.Org, strings.Join(rec.Scopes, ","))
			fmt.Fprintln(stdout, key)
		case "keys list":
			if *org == "" {
				return usageError("keys list needs --org")
			}
			keys, err := svc.ListKeys(ctx, returns.OrgID(*org))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","),
					k.CreatedAt.Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
			}
			tw.Flush()
		case "keys revoke":
			if *org == "" || len(pos) != 1 {
				return usageError("keys revoke needs --org and one key id")
			}
			if err := svc.RevokeKey(ctx, returns.OrgID(*org), pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked key %s\n", pos[0])
		default:
			return usageError("unknown command")
		}
		return nil
	}()
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "server: %s\n%s\n", ue, adminUsage)
		return 2
	default:
		var re *returns.Error
		if errors.As(err, &re) && re.Code != returns.CodeInternal {
			fmt.Fprintf(stderr, "server: %s\n", re.Message)
		} else {
			fmt.Fprintf(stderr, "server: %v\n", err)
		}
		return 1
	}
}

type usageError string

func (e usageError) Error() string { return string(e) }

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
