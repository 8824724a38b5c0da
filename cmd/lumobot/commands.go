package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lumohanke/lumobot/bot/server"
)

func runCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	var once, watch, acceptLostWAL bool
	var unnamed string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: poll feeds, plan posts, deliver them when due",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if g.projects() {
				return runProjects(ctx, g, env, once, watch, acceptLostWAL, unnamed)
			}
			if unnamed != "" {
				return usageError{errors.New("--unnamed-project is for a directory of projects; one config file's project is unnamed already")}
			}
			cfg, log, err := g.setup(env)
			if err != nil {
				return err
			}
			// Compiled first: a broken template is exit 2 before any file is made.
			core, err := compile(cfg)
			if err != nil {
				return err
			}
			st, err := openRunState(ctx, cfg, env, log, acceptLostWAL, !once)
			if err != nil {
				return err
			}
			defer st.Close()
			if once {
				a, err := newApp(cfg, core, st, log, env, nil)
				if err != nil {
					return err
				}
				defer a.Close()
				return a.once(ctx)
			}
			return daemon(ctx, g, env, cfg, core, st, log, watch)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "one cycle: poll every source, plan, deliver what is due now, exit")
	cmd.Flags().BoolVar(&watch, "watch", false, "also reload when the config file (or a project file of a directory) changes (as on SIGHUP)")
	cmd.Flags().StringVar(&unnamed, "unnamed-project", "", "with several projects: the project whose names in the state are unprefixed (the state of one config file moved into a directory; docs/PROJECTS.md)")
	cmd.Flags().BoolVar(&acceptLostWAL, "accept-lost-wal", false, "open a state whose write-ahead log was lost after an unclean stop (what it held is gone)")
	return cmd
}

// once is one cycle, for cron jobs and CI: a Step at the time it starts.
func (a *app) once(ctx context.Context) error {
	prepareTargets(ctx, a.targets, a.log)
	now := a.clock.Now()
	a.bot.Poll(ctx, now)
	if _, err := a.bot.Plan(ctx, now); err != nil {
		return err
	}
	if _, err := a.bot.DeliverAll(ctx); err != nil {
		return err
	}
	if err := a.bot.StateProblem(); err != nil {
		return fmt.Errorf("nothing sent: %w", err)
	}
	return nil
}

func checkCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	var projectName, unnamed string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify each target's credentials with its platform, without posting",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, log, storeName, err := g.project(env, "check", projectName, unnamed)
			if err != nil {
				return err
			}
			st, cleanup, err := openForReading(ctx, cfg, env.Now, true)
			if err != nil {
				return err
			}
			defer cleanup()
			if g.projects() {
				st = viewOf(st, storeName)
			}
			fmt.Fprintf(env.Stdout, "state: %s\n", describeState(cfg.State))
			ts, err := buildTargets(cfg, st, log, env)
			if err != nil {
				return err
			}
			defer closeTargets(ts)
			redact := redactor(cfg.Secrets())
			failed := 0
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			for _, t := range ts {
				if t.check == nil {
					// A console or webhook has no way to ask: say so, not "ok".
					fmt.Fprintf(w, "%s\t%s\tnot checked\t(this type has no credential check; its first post shows whether it works)\n", t.Name, t.Type)
					continue
				}
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				who, err := t.check.Check(cctx)
				cancel()
				if err != nil {
					failed++
					fmt.Fprintf(w, "%s\t%s\tFAILED\t%s\n", t.Name, t.Type, redact(err.Error()))
					continue
				}
				fmt.Fprintf(w, "%s\t%s\tok\t%s\n", t.Name, t.Type, who)
			}
			w.Flush()
			if failed > 0 {
				return fmt.Errorf("%d of %d targets failed the check", failed, len(ts))
			}
			return nil
		},
	}
	projectFlags(cmd, &projectName, &unnamed)
	return cmd
}

// projectFlags are preview's and check's flags for one of several projects.
func projectFlags(cmd *cobra.Command, name, unnamed *string) {
	cmd.Flags().StringVar(name, "project", "", "with several projects (--config DIR): the project to read")
	cmd.Flags().StringVar(unnamed, "unnamed-project", "", "with several projects: the project whose names in the state are unprefixed (as for run)")
}

func healthcheckCmd(ctx context.Context, env Env) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Ask a running lumobot's /healthz (for container HEALTHCHECK: no shell or curl needed)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if url == "" {
				listen := ":8080"
				if v, ok := env.Getenv("LUMOBOT_HTTP_LISTEN"); ok && v != "" {
					listen = v
				}
				host, port, err := net.SplitHostPort(listen)
				if err != nil {
					return usageError{fmt.Errorf("LUMOBOT_HTTP_LISTEN %q: %w", listen, err)}
				}
				if host == "" || host == "0.0.0.0" || host == "::" {
					host = "127.0.0.1"
				}
				url = "http://" + net.JoinHostPort(host, port) + "/healthz"
			}
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := server.Healthcheck(cctx, url); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "health URL (default from LUMOBOT_HTTP_LISTEN, else http://127.0.0.1:8080/healthz)")
	return cmd
}

var errShutdown = errors.New("shutting down")
