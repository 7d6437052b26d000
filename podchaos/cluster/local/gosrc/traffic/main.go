// Command traffic is the in-cluster client of a podchaos traffic probe: it calls one target at a
// fixed rate and writes one JSON line per finished request, so every failure can be placed on the
// run's timeline by its send time.
//
// Requests are sent open-loop: each goes out at its scheduled time whether or not earlier ones have
// answered, so a slow or hung endpoint shows as failures instead of a lower request rate. Every HTTP
// request opens a new connection, so a Service's endpoint changes are seen at once.
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
	"net/http/httptrace"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Record is one finished request.
type Record struct {
	T         float64 `json:"t"`
	Seq       int64   `json:"seq"`
	Outcome   string  `json:"outcome"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
}

// Summary is the last line, written when the client stops.
type Summary struct {
	Summary   bool             `json:"summary"`
	Sent      int64            `json:"sent"`
	Finished  int64            `json:"finished"`
	Outcomes  map[string]int64 `json:"outcomes"`
	Rate      float64          `json:"rate"`
	DurationS float64          `json:"duration_s"`
	// MaxLagMS is how late the most delayed request left against its schedule: a large value means
	// this machine could not keep the asked rate.
	MaxLagMS float64 `json:"max_lag_ms"`
}

type options struct {
	target   string
	mode     string
	path     string
	rate     float64
	timeout  time.Duration
	duration time.Duration
}

func parse(args []string) (options, error) {
	var o options
	flags := flag.NewFlagSet("traffic", flag.ContinueOnError)
	flags.StringVar(&o.target, "target", "", "HOST:PORT to call")
	flags.StringVar(&o.mode, "mode", "http", "http (GET, 2xx/3xx is ok) or tcp (a connect is ok)")
	flags.StringVar(&o.path, "path", "/", "HTTP path")
	flags.Float64Var(&o.rate, "rate", 20, "requests per second")
	flags.DurationVar(&o.timeout, "timeout", time.Second, "per-request timeout")
	flags.DurationVar(&o.duration, "duration", 0, "how long to run; 0 runs until SIGTERM")
	if err := flags.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.target == "":
		return o, errors.New("--target HOST:PORT is required")
	case o.mode != "http" && o.mode != "tcp":
		return o, fmt.Errorf("--mode must be http or tcp, not %q", o.mode)
	case o.rate <= 0:
		return o, errors.New("--rate must be above 0")
	case o.timeout <= 0:
		return o, errors.New("--timeout must be above 0")
	}
	if _, _, err := net.SplitHostPort(o.target); err != nil {
		return o, fmt.Errorf("--target %q is not HOST:PORT: %v", o.target, err)
	}
	return o, nil
}

// classify names a failed request's outcome the way a client of the service would tell it.
func classify(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "reset"
	}
	return "error"
}

// shortError keeps the innermost cause: the URL and address are the same on every line.
func shortError(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

type prober struct {
	o      options
	client *http.Client
	url    string
}

func newProber(o options) *prober {
	transport := &http.Transport{
		DisableKeepAlives: true,
		Proxy:             nil,
		DialContext:       (&net.Dialer{}).DialContext,
	}
	return &prober{
		o: o,
		client: &http.Client{
			Transport: transport,
			Timeout:   o.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		url: "http://" + o.target + o.path,
	}
}

// stage remembers how far a request got, so a timeout says where it was spent: a slow name lookup, a
// connection that was never accepted, or a server that accepted and did not answer.
type stage struct {
	mu   sync.Mutex
	name string
}

func (s *stage) set(name string) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

func (s *stage) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// failure is a failed request's outcome and error text; a timeout names the stage it cut short.
func failure(err error, at *stage) (string, string) {
	outcome := classify(err)
	if outcome == "timeout" {
		return outcome, "timed out during " + at.get()
	}
	return outcome, shortError(err)
}

// probe makes one request and returns its outcome, HTTP status and error text.
func (p *prober) probe() (string, int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), p.o.timeout)
	defer cancel()
	at := &stage{name: "connect"}
	if p.o.mode == "tcp" {
		address := p.o.target
		host, port, _ := net.SplitHostPort(address)
		if net.ParseIP(host) == nil {
			at.set("dns lookup")
			addresses, err := net.DefaultResolver.LookupHost(ctx, host)
			if err != nil {
				outcome, text := failure(err, at)
				return outcome, 0, text
			}
			address = net.JoinHostPort(addresses[0], port)
			at.set("connect")
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", address)
		if err != nil {
			outcome, text := failure(err, at)
			return outcome, 0, text
		}
		conn.Close()
		return "ok", 0, ""
	}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart:     func(httptrace.DNSStartInfo) { at.set("dns lookup") },
		ConnectStart: func(string, string) { at.set("connect") },
		GotConn:      func(httptrace.GotConnInfo) { at.set("response") },
	})
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return "error", 0, shortError(err)
	}
	response, err := p.client.Do(request)
	if err != nil {
		outcome, text := failure(err, at)
		return outcome, 0, text
	}
	_, err = io.Copy(io.Discard, response.Body)
	response.Body.Close()
	if err != nil {
		outcome, text := failure(err, at)
		return outcome, response.StatusCode, text
	}
	if response.StatusCode >= 200 && response.StatusCode < 400 {
		return "ok", response.StatusCode, ""
	}
	return fmt.Sprintf("http-%d", response.StatusCode), response.StatusCode, ""
}

func millis(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1000
}

func run(o options, stop <-chan os.Signal, out io.Writer) Summary {
	p := newProber(o)
	records := make(chan Record, 1024)
	written := make(chan struct{})
	summary := Summary{Summary: true, Outcomes: map[string]int64{}, Rate: o.rate}
	go func() {
		encoder := json.NewEncoder(out)
		for record := range records {
			summary.Finished++
			summary.Outcomes[record.Outcome]++
			_ = encoder.Encode(record)
		}
		close(written)
	}()

	interval := time.Duration(float64(time.Second) / o.rate)
	start := time.Now()
	var deadline <-chan time.Time
	if o.duration > 0 {
		deadline = time.After(o.duration)
	}
	var inflight sync.WaitGroup
	timer := time.NewTimer(0)
	var lag time.Duration
loop:
	for seq := int64(0); ; seq++ {
		scheduled := start.Add(time.Duration(seq) * interval)
		timer.Reset(time.Until(scheduled))
		select {
		case <-stop:
			break loop
		case <-deadline:
			break loop
		case <-timer.C:
		}
		sent := time.Now()
		lag = max(lag, sent.Sub(scheduled))
		summary.Sent++
		inflight.Add(1)
		go func(seq int64, sent time.Time) {
			defer inflight.Done()
			outcome, status, text := p.probe()
			records <- Record{
				T:         millis(sent),
				Seq:       seq,
				Outcome:   outcome,
				Status:    status,
				LatencyMS: float64(time.Since(sent).Microseconds()) / 1000,
				Error:     text,
			}
		}(seq, sent)
	}
	// Requests in flight end within their timeout: their lines still belong to the run.
	inflight.Wait()
	close(records)
	<-written
	summary.DurationS = time.Since(start).Seconds()
	summary.MaxLagMS = float64(lag.Microseconds()) / 1000
	return summary
}

func main() {
	o, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "traffic:", err)
		os.Exit(2)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	summary := run(o, stop, os.Stdout)
	_ = json.NewEncoder(os.Stdout).Encode(summary)
}
