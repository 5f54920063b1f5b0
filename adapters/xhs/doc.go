// Package xhs is the adapter for Xiaohongshu's (XHS, RedNote) open platform:
// it lists, reads and acts on a shop's after-sale cases through the
// platform's signed JSON gateway, and normalizes them into returns.Case.
//
// One Adapter talks to one shop. Every call is one POST of a flat JSON body
// to the gateway URL, signed with the app secret; errors come back in the
// envelope, usually with HTTP 200, and are mapped to adapters.PlatformError.
//
// Changes are found by polling afterSale.listAfterSaleInfos (see
// Adapter.ListChanges): first a backfill by creation time over the look-back,
// then incrementally by update time. Cases created before the look-back are
// not backfilled: they appear only once they change again. The platform also
// pushes messages (webhooks): Adapter.ReadPush verifies and reads them for a
// receiver elsewhere, which turns them into GetCase calls (see push.go).
// Polling backs them up, since the platform retries a failed push only once.
package xhs
