// Command server runs the returns gateway: one GraphQL API over the after-sales
// APIs of Xiaohongshu, Alibaba.com and AliExpress.
//
// With no configuration it starts in sandbox mode: the platform simulators run
// inside the process on loopback, the adapters talk to them over real HTTP with
// real signatures, and data goes to a SQLite file under ./data/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(runSandboxCommand(ctx, os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	if isAdminCommand(os.Args[1:]) {
		os.Exit(runAdmin(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "secrets" {
		if err := runSecrets(ctx, os.Args[2:], os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "server secrets:", err)
			os.Exit(1)
		}
		return
	}
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	routeStdLog(m.Log)
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		m.Close()
		os.Exit(1)
	}
	<-ctx.Done()
	stop()
	m.Log.Info("shutting down")
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "server: shutdown:", err)
		os.Exit(1)
	}
}
