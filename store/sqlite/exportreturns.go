package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// GetExportReturn returns the case's export return; see store.ExportReturnStore.
func (s *Store) GetExportReturn(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.ExportReturn, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	args := []any{string(org), string(key.Platform), key.PlatformCaseID}
	x := &returns.ExportReturn{Key: key}
	var sales, invoices string
	var freight, insurance *int64
	var freightCur, insuranceCur *string
	var started int64
	err := s.r.QueryRowContext(ctx, `SELECT contract_no, contract_return_days, sales_contract_ids, invoice_ids,
			logistics_channel, carrier, carrier_acceptance_hours, freight_minor, freight_currency,
			insurance_minor, insurance_currency, started_ns, version
		FROM export_returns WHERE org = ? AND platform = ? AND case_id = ?`, args...).Scan(
		&x.ContractNo, &x.ContractReturnDays, &sales, &invoices, &x.LogisticsChannel, &x.Carrier,
		&x.CarrierAcceptanceHours, &freight, &freightCur, &insurance, &insuranceCur, &started, &x.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no export return on case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get export return: %w", err)
	}
	if x.SalesContractIDs, err = store.ExportIDs(sales); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if x.InvoiceIDs, err = store.ExportIDs(invoices); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	x.Freight, x.Insurance = store.MoneyOrNil(freight, freightCur), store.MoneyOrNil(insurance, insuranceCur)
	x.StartedAt = fromNS(started)

	rows, err := s.r.QueryContext(ctx, `SELECT kind, due_ns, completed_ns, note, checklist FROM export_return_steps
		WHERE org = ? AND platform = ? AND case_id = ? ORDER BY step`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get export return steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st returns.ExportStep
		var due, done *int64
		var list *string
		if err := rows.Scan(&st.Kind, &due, &done, &st.Note, &list); err != nil {
			return nil, fmt.Errorf("sqlite: get export return steps: %w", err)
		}
		st.DueBy, st.CompletedAt = store.TimeOrNil(due), store.TimeOrNil(done)
		if st.Checklist, err = store.ExportChecklist(list); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		x.Steps = append(x.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: get export return steps: %w", err)
	}
	return x, nil
}

// SaveExportReturn writes the export return, the case and its event in one
// transaction; see store.ExportReturnStore.
func (s *Store) SaveExportReturn(ctx context.Context, org returns.OrgID, x *returns.ExportReturn, c *returns.Case, ch store.Change) (*store.ExportReturnResult, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckExportReturn(x, c); err != nil {
		return nil, err
	}
	ch.Always = true // the step is the change, whatever the case's fields
	p, err := encodeWrite(org, c, ch)
	if err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	key := []any{string(org), string(x.Key.Platform), x.Key.PlatformCaseID}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM cases WHERE org = ? AND platform = ? AND case_id = ?`, key...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no case %s/%s", x.Key.Platform, x.Key.PlatformCaseID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: read case: %w", err)
	}
	var stored int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM export_returns WHERE org = ? AND platform = ? AND case_id = ?`, key...).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		stored = 0
	case err != nil:
		return nil, fmt.Errorf("sqlite: read export return: %w", err)
	case stored == 0:
		return nil, fmt.Errorf("sqlite: export return with version 0")
	}
	if stored != x.Version {
		if x.Version == 0 {
			return nil, returns.Errorf(returns.CodeConflict, "case %s/%s already has an export return", x.Key.Platform, x.Key.PlatformCaseID)
		}
		return nil, returns.Errorf(returns.CodeConflict, "the export return changed meanwhile (version %d, not %d)", stored, x.Version)
	}
	fm, fc := store.MoneyArgs(x.Freight)
	im, ic := store.MoneyArgs(x.Insurance)
	_, err = tx.ExecContext(ctx, `INSERT INTO export_returns (org, platform, case_id, contract_no, contract_return_days,
			sales_contract_ids, invoice_ids, logistics_channel, carrier, carrier_acceptance_hours,
			freight_minor, freight_currency, insurance_minor, insurance_currency, started_ns, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, platform, case_id) DO UPDATE SET contract_no = excluded.contract_no,
			contract_return_days = excluded.contract_return_days, sales_contract_ids = excluded.sales_contract_ids,
			invoice_ids = excluded.invoice_ids, logistics_channel = excluded.logistics_channel, carrier = excluded.carrier,
			carrier_acceptance_hours = excluded.carrier_acceptance_hours, freight_minor = excluded.freight_minor,
			freight_currency = excluded.freight_currency, insurance_minor = excluded.insurance_minor,
			insurance_currency = excluded.insurance_currency, started_ns = excluded.started_ns, version = excluded.version`,
		append(key, x.ContractNo, x.ContractReturnDays, store.ExportIDsText(x.SalesContractIDs), store.ExportIDsText(x.InvoiceIDs),
			x.LogisticsChannel, x.Carrier, x.CarrierAcceptanceHours, fm, fc, im, ic, x.StartedAt.UnixNano(), x.Version+1)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: write export return: %w", err)
	}
	for i, st := range x.Steps {
		_, err = tx.ExecContext(ctx, `INSERT INTO export_return_steps (org, platform, case_id, step, kind, due_ns, completed_ns, note, checklist)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org, platform, case_id, step) DO UPDATE SET kind = excluded.kind, due_ns = excluded.due_ns,
				completed_ns = excluded.completed_ns, note = excluded.note, checklist = excluded.checklist`,
			append(key, i+1, string(st.Kind), store.NSOrNil(st.DueBy), store.NSOrNil(st.CompletedAt), st.Note,
				store.ExportChecklistText(st.Checklist))...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: write export return step %s: %w", st.Kind, err)
		}
	}
	nowNS := s.now().UnixNano()
	t := newTally()
	if err := s.writeTx(ctx, tx, org, p, nowNS, t); err != nil {
		return nil, err
	}
	if err := s.writeTally(ctx, tx, org, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: commit export return: %w", err)
	}
	stored2, err := decodeCase(p.doc, p.version, nowNS)
	if err != nil {
		return nil, err
	}
	out := *x
	out.Version = x.Version + 1
	return &store.ExportReturnResult{ExportReturn: &out, Case: stored2, Event: p.event}, nil
}
