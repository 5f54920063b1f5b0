package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Escalation limits: the statement a mediator reads, and how many files go
// with it (each at most the evidence file limit, all held in memory while the
// platform call runs).
const (
	maxStatement          = 2000
	maxEscalationEvidence = 10
)

// caseEvidence lists the case's evidence.
func (r *Resolver) caseEvidence(ctx context.Context, c *returns.Case) ([]*model.Evidence, error) {
	out := []*model.Evidence{}
	if r.deps.Evidence == nil {
		return out, nil
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	list, err := r.deps.Evidence.ListEvidence(ctx, org, c.Key())
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		out = append(out, &model.Evidence{ID: e.ID, Kind: model.EvidenceKind(e.Kind), FileName: e.FileName,
			ContentType: e.ContentType, Size: int(e.Size), Sha256: e.SHA256, UploadedAt: e.UploadedAt, URL: EvidenceURL(e.ID)})
	}
	return out, nil
}

// caseEscalation is the case's recorded escalation.
func (r *Resolver) caseEscalation(ctx context.Context, c *returns.Case) (*model.Escalation, error) {
	if r.deps.Evidence == nil {
		return nil, nil
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	e, err := r.deps.Evidence.GetEscalation(ctx, org, c.Key())
	if err != nil || e == nil {
		return nil, err
	}
	out := &model.Escalation{At: e.At, Statement: e.Statement, EvidenceIds: nonNilIDs(e.EvidenceIDs),
		UploadedEvidenceIds: nonNilIDs(e.Uploaded), ViaAPI: e.ViaAPI}
	if e.URL != "" {
		u := e.URL
		out.SellerCentreURL = &u
	}
	return out, nil
}

func nonNilIDs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// escalateMutation takes the statement (the note when none is given) and the
// evidence ids; the files are loaded by escalate once the case is known.
func escalateMutation(in model.ReturnEscalateInput) *mutation {
	m := &mutation{action: returns.ActionEscalate, id: in.ID, key: in.IdempotencyKey}
	note := m.text("note", in.Note, maxNote)
	statement := m.text("statement", in.Statement, maxStatement)
	if statement == "" {
		statement = note
	}
	m.platform.Note = statement
	m.check(len(in.EvidenceIds) <= maxEscalationEvidence, returns.Errorf(returns.CodeInvalid,
		"at most %d pieces of evidence go with an escalation", maxEscalationEvidence).WithField("input", "evidenceIds"))
	if len(in.EvidenceIds) <= maxEscalationEvidence {
		if err := store.CheckEvidenceIDs(in.EvidenceIds); err != nil {
			m.errs = append(m.errs, asUserError(err).WithField("input", "evidenceIds"))
		}
	}
	in.IdempotencyKey = nil
	m.input = in
	return m
}

func asUserError(err error) *returns.Error {
	if e, ok := err.(*returns.Error); ok {
		return e
	}
	return returns.Errorf(returns.ErrorCodeOf(err), "%s", returns.ErrorMessage(err))
}

// escalate runs returnEscalate: the evidence must be on the case (INVALID
// otherwise, nothing sent); the files go with the action to the platform; on
// success the escalation is recorded on the case (once: a retry or a second
// escalation keeps the first record).
func (r *Resolver) escalate(ctx context.Context, in model.ReturnEscalateInput) (*model.ReturnCasePayload, error) {
	m := escalateMutation(in)
	ids := in.EvidenceIds
	if len(m.errs) > 0 || len(ids) == 0 && r.deps.Evidence == nil {
		return r.run(ctx, m)
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ParseCaseID(in.ID)
	if err != nil {
		return r.run(ctx, m) // run answers the id's error
	}
	c, err := r.deps.Store.GetCase(ctx, org, key)
	if returns.ErrorCodeOf(err) == returns.CodeNotFound {
		return payload(&actions.Outcome{Errors: []*returns.Error{returns.Errorf(returns.CodeNotFound, "no such case").WithField("input", "id")}}), nil
	}
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		if r.deps.Evidence == nil {
			return payload(&actions.Outcome{Case: c, Errors: []*returns.Error{returns.Errorf(returns.CodeInvalid,
				"this gateway keeps no evidence").WithField("input", "evidenceIds")}}), nil
		}
		if err := r.deps.Evidence.EvidenceExists(ctx, org, key, ids); err != nil {
			if code := returns.ErrorCodeOf(err); code != returns.CodeInvalid {
				return nil, err
			}
			return payload(&actions.Outcome{Case: c, Errors: []*returns.Error{asUserError(err).WithField("input", "evidenceIds")}}), nil
		}
		for _, id := range ids {
			e, data, err := r.deps.Evidence.GetEvidence(ctx, org, id)
			if err != nil {
				return nil, err
			}
			m.platform.Evidence = append(m.platform.Evidence, returns.EvidenceFile{ID: e.ID, Name: e.FileName, ContentType: e.ContentType, Data: data})
		}
	}
	p, err := r.run(ctx, m)
	if err != nil || len(p.UserErrors) > 0 || p.ReturnCase == nil || r.deps.Evidence == nil {
		return p, err
	}
	rec := &store.Escalation{At: r.deps.Now().UTC(), Statement: m.platform.Note, EvidenceIDs: ids, ViaAPI: true}
	for _, st := range p.ReturnCase.PendingSteps {
		if st.Action == returns.ActionEscalate {
			// Recorded for the seller centre: nothing reached the platform.
			rec.ViaAPI, rec.URL, rec.At = false, st.URL, st.RecordedAt
		}
	}
	if rec.ViaAPI {
		if up, ok := r.uploader(p.ReturnCase); ok {
			for _, f := range m.platform.Evidence {
				if up.UploadsEvidence(f.ContentType) {
					rec.Uploaded = append(rec.Uploaded, f.ID)
				}
			}
		}
	}
	if _, err := r.deps.Evidence.SaveEscalation(context.WithoutCancel(ctx), org, key, rec); err != nil {
		// The platform has it; only the gateway's record failed.
		r.deps.Log.Error("record escalation", "case", key.PlatformCaseID, "err", err)
	}
	return p, nil
}

func (r *Resolver) uploader(c *returns.Case) (returns.EvidenceUploader, bool) {
	p, ok := r.deps.Platforms.For(c.Platform, c.ShopID)
	if !ok {
		return nil, false
	}
	up, ok := p.(returns.EvidenceUploader)
	return up, ok
}
