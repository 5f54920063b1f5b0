package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// GetExportReturn returns the case's export return; see store.ExportReturnStore.
func (s *Store) GetExportReturn(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.ExportReturn, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var x *returns.ExportReturn
	// One snapshot for the head and its steps.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		x, err = readExportReturn(ctx, tx, org, key)
		return err
	})
	if err != nil {
		return nil, storeErr("get export return", err)
	}
	return x, nil
}

func readExportReturn(ctx context.Context, tx pgx.Tx, org returns.OrgID, key returns.CaseKey) (*returns.ExportReturn, error) {
	args := []any{string(org), string(key.Platform), key.PlatformCaseID}
	x := &returns.ExportReturn{Key: key}
	var sales, invoices string
	var freight, insurance *int64
	var freightCur, insuranceCur *string
	var started int64
	var days, hours int64
	err := tx.QueryRow(ctx, `SELECT contract_no, contract_return_days, sales_contract_ids, invoice_ids,
			logistics_channel, carrier, carrier_acceptance_hours, freight_minor, freight_currency,
			insurance_minor, insurance_currency, started_ns, version
		FROM export_returns WHERE org = $1 AND platform = $2 AND case_id = $3`, args...).Scan(
		&x.ContractNo, &days, &sales, &invoices, &x.LogisticsChannel, &x.Carrier,
		&hours, &freight, &freightCur, &insurance, &insuranceCur, &started, &x.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no export return on case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err != nil {
		return nil, err
	}
	x.ContractReturnDays, x.CarrierAcceptanceHours = int(days), int(hours)
	if x.SalesContractIDs, err = store.ExportIDs(sales); err != nil {
		return nil, err
	}
	if x.InvoiceIDs, err = store.ExportIDs(invoices); err != nil {
		return nil, err
	}
	x.Freight, x.Insurance = store.MoneyOrNil(freight, freightCur), store.MoneyOrNil(insurance, insuranceCur)
	x.StartedAt = fromNS(started)
	rows, err := tx.Query(ctx, `SELECT kind, due_ns, completed_ns, note, checklist FROM export_return_steps
		WHERE org = $1 AND platform = $2 AND case_id = $3 ORDER BY step`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st returns.ExportStep
		var kind string
		var due, done *int64
		var list *string
		if err := rows.Scan(&kind, &due, &done, &st.Note, &list); err != nil {
			return nil, err
		}
		st.Kind = returns.ExportStepKind(kind)
		st.DueBy, st.CompletedAt = store.TimeOrNil(due), store.TimeOrNil(done)
		if st.Checklist, err = store.ExportChecklist(list); err != nil {
			return nil, err
		}
		x.Steps = append(x.Steps, st)
	}
	return x, rows.Err()
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
	p, err := newPending(c, ch)
	if err != nil {
		return nil, err
	}
	var out *store.ExportReturnResult
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLog(ctx, tx); err != nil {
			return err
		}
		key := []any{string(org), string(x.Key.Platform), x.Key.PlatformCaseID}
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM cases WHERE org = $1 AND platform = $2 AND case_id = $3`, key...).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return returns.Errorf(returns.CodeNotFound, "no case %s/%s", x.Key.Platform, x.Key.PlatformCaseID)
		}
		if err != nil {
			return err
		}
		var stored int64
		err = tx.QueryRow(ctx, `SELECT version FROM export_returns WHERE org = $1 AND platform = $2 AND case_id = $3 FOR UPDATE`, key...).Scan(&stored)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			stored = 0
		case err != nil:
			return err
		}
		if stored != x.Version {
			if x.Version == 0 {
				return returns.Errorf(returns.CodeConflict, "case %s/%s already has an export return", x.Key.Platform, x.Key.PlatformCaseID)
			}
			return returns.Errorf(returns.CodeConflict, "the export return changed meanwhile (version %d, not %d)", stored, x.Version)
		}
		fm, fc := store.MoneyArgs(x.Freight)
		im, ic := store.MoneyArgs(x.Insurance)
		_, err = tx.Exec(ctx, `INSERT INTO export_returns (org, platform, case_id, contract_no, contract_return_days,
				sales_contract_ids, invoice_ids, logistics_channel, carrier, carrier_acceptance_hours,
				freight_minor, freight_currency, insurance_minor, insurance_currency, started_ns, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (org, platform, case_id) DO UPDATE SET contract_no = excluded.contract_no,
				contract_return_days = excluded.contract_return_days, sales_contract_ids = excluded.sales_contract_ids,
				invoice_ids = excluded.invoice_ids, logistics_channel = excluded.logistics_channel, carrier = excluded.carrier,
				carrier_acceptance_hours = excluded.carrier_acceptance_hours, freight_minor = excluded.freight_minor,
				freight_currency = excluded.freight_currency, insurance_minor = excluded.insurance_minor,
				insurance_currency = excluded.insurance_currency, started_ns = excluded.started_ns, version = excluded.version`,
			append(key, x.ContractNo, x.ContractReturnDays, store.ExportIDsText(x.SalesContractIDs), store.ExportIDsText(x.InvoiceIDs),
				x.LogisticsChannel, x.Carrier, x.CarrierAcceptanceHours, fm, fc, im, ic, x.StartedAt.UnixNano(), x.Version+1)...)
		if err != nil {
			return fmt.Errorf("write export return: %w", err)
		}
		for i, st := range x.Steps {
			_, err = tx.Exec(ctx, `INSERT INTO export_return_steps (org, platform, case_id, step, kind, due_ns, completed_ns, note, checklist)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (org, platform, case_id, step) DO UPDATE SET kind = excluded.kind, due_ns = excluded.due_ns,
					completed_ns = excluded.completed_ns, note = excluded.note, checklist = excluded.checklist`,
				append(key, i+1, string(st.Kind), store.NSOrNil(st.DueBy), store.NSOrNil(st.CompletedAt), st.Note,
					store.ExportChecklistText(st.Checklist))...)
			if err != nil {
				return fmt.Errorf("write export return step %s: %w", st.Kind, err)
			}
		}
		moves := store.CountMoves{}
		r, err := s.writeCase(ctx, tx, org, p, moves)
		if err == nil {
			err = applyMoves(ctx, tx, org, moves)
		}
		if err != nil {
			return err
		}
		saved := *x
		saved.Version = x.Version + 1
		out = &store.ExportReturnResult{ExportReturn: &saved, Case: r.Case, Event: r.Event}
		return nil
	})
	if err != nil {
		return nil, storeErr("save export return", err)
	}
	return out, nil
}
