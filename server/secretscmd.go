package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	shopconn "github.com/returnsgw/returnsgw/connect"
	"github.com/returnsgw/returnsgw/secrets"
)

// runSecrets runs `server secrets rotate`: every stored app secret, access
// token and refresh token is re-sealed under a new key in one transaction.
// The current key comes as for the gateway (RETURNSGW_SECRET_KEY,
// --secret-key-file, or the sandbox's data/secret.key); the new one from
// RETURNSGW_NEW_SECRET_KEY, or --new-key-file (read if it exists, else
// generated there with mode 0600). Without either, a sandbox's generated key
// file is replaced once the transaction has committed. Start the gateway
// with the new key afterwards.
func runSecrets(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: server secrets rotate [--db FILE] [--secret-key-file FILE] [--new-key-file FILE]")
	}
	fs := flag.NewFlagSet("secrets rotate", flag.ContinueOnError)
	fs.SetOutput(out)
	db := fs.String("db", "data/returnsgw.db", "SQLite database file [$RETURNSGW_DB]")
	oldFile := fs.String("secret-key-file", "", "file with the current key [$RETURNSGW_SECRET_KEY_FILE]")
	newFile := fs.String("new-key-file", "", "file with the new key (generated there if missing)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["db"] && getenv("RETURNSGW_DB") != "" {
		*db = getenv("RETURNSGW_DB")
	}
	if !given["secret-key-file"] && getenv("RETURNSGW_SECRET_KEY_FILE") != "" {
		*oldFile = getenv("RETURNSGW_SECRET_KEY_FILE")
	}
	dataDir := filepath.Dir(*db)
	sandboxFile := getenv("RETURNSGW_SECRET_KEY") == "" && *oldFile == ""
	oldKey, err := secrets.Load(secrets.Source{Env: getenv("RETURNSGW_SECRET_KEY"), File: *oldFile, DataDir: dataDir})
	if err != nil && sandboxFile {
		oldKey, err = secrets.Load(secrets.Source{File: filepath.Join(dataDir, secrets.SandboxKeyFile)})
	}
	if err != nil {
		return fmt.Errorf("current key: %w", err)
	}
	var newKey *secrets.Key
	var newText string
	switch {
	case getenv("RETURNSGW_NEW_SECRET_KEY") != "":
		newKey, err = secrets.ParseKey(getenv("RETURNSGW_NEW_SECRET_KEY"))
	case *newFile != "":
		newKey, err = secrets.Load(secrets.Source{File: *newFile})
		if errors.Is(err, os.ErrNotExist) {
			newKey, newText, err = secrets.GenerateKey()
			if err == nil {
				err = writeKeyFile(*newFile, newText, false)
			}
		}
	case sandboxFile:
		newKey, newText, err = secrets.GenerateKey()
	default:
		err = errors.New("give the new key in RETURNSGW_NEW_SECRET_KEY or --new-key-file")
	}
	if err != nil {
		return fmt.Errorf("new key: %w", err)
	}
	if newKey.ID() == oldKey.ID() {
		return errors.New("the new key is the current key")
	}
	st, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := shopconn.Rotate(ctx, st, secrets.NewKeyring(newKey, oldKey))
	if err != nil {
		return fmt.Errorf("rotation failed, nothing was changed: %w", err)
	}
	if sandboxFile && *newFile == "" && getenv("RETURNSGW_NEW_SECRET_KEY") == "" {
		if err := writeKeyFile(filepath.Join(dataDir, secrets.SandboxKeyFile), newText, true); err != nil {
			return fmt.Errorf("the connections are sealed under key %s, but its file could not be written: %w", newKey.ID(), err)
		}
	}
	fmt.Fprintf(out, "re-sealed %d shop connections under key %s (was %s); start the gateway with the new key\n", n, newKey.ID(), oldKey.ID())
	return nil
}

// writeKeyFile writes a key file with mode 0600; replace swaps it in
// atomically over an existing one.
func writeKeyFile(path, text string, replace bool) error {
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(text + "\n"); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp := path + ".new"
	_ = os.Remove(tmp)
	if err := writeKeyFile(tmp, text, false); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
