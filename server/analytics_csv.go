package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// maxCSVInput bounds the input parameter of the CSV export.
const maxCSVInput = 8 << 10

// analyticsCSVQuery is the operation the CSV export runs: the same as a
// client's returnAnalytics query, through the same handler.
const analyticsCSVQuery = `query AnalyticsCSV($input: ReturnAnalyticsInput!) { returnAnalytics(input: $input) {
  groups { key { platform reason sku market week shopId } cases refunded { amount currencyCode } reasonShare
    medianHoursToRespond medianHoursToRefund deadlinesMissed grades { a b c } recovered { amount currencyCode }
    orders returnRate costModel { total { amount currencyCode } costPer100Orders { amount currencyCode } marginPoints } } } }`

// analyticsSpikesQuery is the operation of the spikes' CSV (&part=spikes).
const analyticsSpikesQuery = `query AnalyticsSpikesCSV($input: ReturnAnalyticsInput!) { returnAnalytics(input: $input) {
  spikes { sku reason week count previous ratio } } }`

// analyticsCSV serves GET /analytics.csv?input=<ReturnAnalyticsInput as
// JSON>[&part=spikes]: returnAnalytics as CSV, the groups (or the spikes).
// It runs the operation through the GraphQL handler itself, with the
// caller's Authorization header, so that the key, its read scope, its rate
// limit, the document limits and the input's validation are the API's,
// unchanged. Any refusal is a typed JSON error {"code", "message"}.
func analyticsCSV(gql http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, code, msg string) {
			writeJSON(w, status, map[string]string{"code": code, "message": msg})
		}
		q := r.URL.Query()
		input := q.Get("input")
		part := q.Get("part")
		switch {
		case len(r.URL.RawQuery) > 3*maxCSVInput:
			fail(http.StatusBadRequest, "INVALID", "the query string is too long")
			return
		case input == "":
			fail(http.StatusBadRequest, "INVALID", "give the ReturnAnalyticsInput as JSON in the input parameter")
			return
		case len(input) > maxCSVInput:
			fail(http.StatusBadRequest, "INVALID", fmt.Sprintf("input is longer than %d bytes", maxCSVInput))
			return
		case part != "" && part != "groups" && part != "spikes":
			fail(http.StatusBadRequest, "INVALID", "part must be groups or spikes")
			return
		}
		var in map[string]json.RawMessage
		if err := json.Unmarshal([]byte(input), &in); err != nil {
			fail(http.StatusBadRequest, "INVALID", "input is not a JSON object")
			return
		}
		query := analyticsCSVQuery
		if part == "spikes" {
			query = analyticsSpikesQuery
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"input": in}})
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/graphql", bytes.NewReader(body))
		if err != nil {
			fail(http.StatusBadRequest, "INVALID", "bad request")
			return
		}
		req.Host = r.Host
		req.RemoteAddr = r.RemoteAddr
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		if a := r.Header.Get("Authorization"); a != "" {
			req.Header.Set("Authorization", a)
		}
		rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		gql.ServeHTTP(rec, req)

		var resp struct {
			Data *struct {
				ReturnAnalytics *csvAnalytics `json:"returnAnalytics"`
			} `json:"data"`
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &resp); err != nil {
			fail(http.StatusBadGateway, "INTERNAL", "the analytics could not be read")
			return
		}
		if len(resp.Errors) > 0 || resp.Data == nil || resp.Data.ReturnAnalytics == nil {
			code, msg := "INTERNAL", "the analytics could not be computed"
			if len(resp.Errors) > 0 {
				code, msg = resp.Errors[0].Extensions.Code, resp.Errors[0].Message
			}
			if ra := rec.header.Get("Retry-After"); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			status, code := csvStatus(rec.status, code)
			fail(status, code, msg)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="returns-analytics.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		cw := csv.NewWriter(w)
		if part == "spikes" {
			writeSpikesCSV(cw, resp.Data.ReturnAnalytics)
		} else {
			writeGroupsCSV(cw, resp.Data.ReturnAnalytics)
		}
		cw.Flush()
	})
}

// csvStatus maps a GraphQL error code (or the transport's status) to the
// export's HTTP status and code.
func csvStatus(transportStatus int, code string) (int, string) {
	switch {
	case transportStatus == http.StatusTooManyRequests:
		return http.StatusTooManyRequests, "RATE_LIMITED"
	case transportStatus == http.StatusUnauthorized:
		return http.StatusUnauthorized, "UNAUTHORIZED" // no key, or not a valid one
	case code == "UNAUTHORIZED":
		return http.StatusForbidden, code // a valid key without the read scope, as /evidence answers
	case code == "INVALID" || strings.HasPrefix(code, "GRAPHQL_") || code == "BAD_USER_INPUT":
		return http.StatusBadRequest, "INVALID"
	case code == "STORE_UNAVAILABLE":
		return http.StatusServiceUnavailable, code
	case code == "UNSUPPORTED_ON_PLATFORM":
		return http.StatusNotImplemented, code
	case transportStatus >= 400 && transportStatus < 500:
		return transportStatus, "INVALID"
	}
	return http.StatusBadGateway, "INTERNAL"
}

// csvAnalytics is the part of returnAnalytics the export reads.
type csvAnalytics struct {
	Groups []struct {
		Key struct {
			Platform, Reason, Sku, Market, Week, ShopID *string
		} `json:"key"`
		Cases                int                   `json:"cases"`
		Refunded             []csvMoney            `json:"refunded"`
		ReasonShare          *float64              `json:"reasonShare"`
		MedianHoursToRespond *float64              `json:"medianHoursToRespond"`
		MedianHoursToRefund  *float64              `json:"medianHoursToRefund"`
		DeadlinesMissed      int                   `json:"deadlinesMissed"`
		Grades               struct{ A, B, C int } `json:"grades"`
		Recovered            []csvMoney            `json:"recovered"`
		Orders               *int                  `json:"orders"`
		ReturnRate           *float64              `json:"returnRate"`
		CostModel            *struct {
			Total            csvMoney `json:"total"`
			CostPer100Orders csvMoney `json:"costPer100Orders"`
			MarginPoints     *string  `json:"marginPoints"`
		} `json:"costModel"`
	} `json:"groups"`
	Spikes []struct {
		Sku, Reason, Week string
		Count, Previous   int
		Ratio             float64
	} `json:"spikes"`
}

type csvMoney struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

func writeGroupsCSV(w *csv.Writer, a *csvAnalytics) {
	w.Write([]string{"platform", "reason", "sku", "market", "week", "shopId", "cases", "refunded", "reasonShare",
		"medianHoursToRespond", "medianHoursToRefund", "deadlinesMissed", "gradeA", "gradeB", "gradeC", "recovered",
		"orders", "returnRate", "costTotal", "costPer100Orders", "marginPoints"})
	for _, g := range a.Groups {
		row := []string{str(g.Key.Platform), str(g.Key.Reason), str(g.Key.Sku), str(g.Key.Market), str(g.Key.Week), str(g.Key.ShopID),
			strconv.Itoa(g.Cases), moneyCell(g.Refunded), float(g.ReasonShare), float(g.MedianHoursToRespond), float(g.MedianHoursToRefund),
			strconv.Itoa(g.DeadlinesMissed), strconv.Itoa(g.Grades.A), strconv.Itoa(g.Grades.B), strconv.Itoa(g.Grades.C),
			moneyCell(g.Recovered), "", float(g.ReturnRate), "", "", ""}
		if g.Orders != nil {
			row[16] = strconv.Itoa(*g.Orders)
		}
		if c := g.CostModel; c != nil {
			row[18], row[19], row[20] = moneyCell([]csvMoney{c.Total}), moneyCell([]csvMoney{c.CostPer100Orders}), str(c.MarginPoints)
		}
		w.Write(safeCells(row))
	}
}

func writeSpikesCSV(w *csv.Writer, a *csvAnalytics) {
	w.Write([]string{"sku", "reason", "week", "count", "previous", "ratio"})
	for _, s := range a.Spikes {
		w.Write(safeCells([]string{s.Sku, s.Reason, s.Week, strconv.Itoa(s.Count), strconv.Itoa(s.Previous),
			strconv.FormatFloat(s.Ratio, 'f', -1, 64)}))
	}
}

// safeCells defuses formula injection: a spreadsheet runs a cell that
// starts with = + - @ (or a tab or carriage return) as a formula, so such a
// cell (a SKU or shop id is the seller's or the platform's text) gets a
// leading apostrophe.
func safeCells(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func float(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// moneyCell writes amounts in several currencies as "100.00 CNY; 25.00 USD":
// never summed across currencies.
func moneyCell(ms []csvMoney) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Amount + " " + m.CurrencyCode
	}
	return strings.Join(parts, "; ")
}

// bufferedResponse keeps what the GraphQL handler answers.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	if b.body.Len()+len(p) > 64<<20 {
		return 0, fmt.Errorf("analytics answer too large")
	}
	return b.body.Write(p)
}
