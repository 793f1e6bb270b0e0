// Package tracecheck validates Chrome trace-event JSON as the tests read
// it: the fields the Trace Event Format requires of each event, and the
// nesting of the spans on each track. It is for tests only.
package tracecheck

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Event is one trace event, as decoded.
type Event struct {
	Name string          `json:"name"`
	Ph   string          `json:"ph"`
	Ts   *float64        `json:"ts"`
	Dur  *float64        `json:"dur"`
	Pid  *int64          `json:"pid"`
	Tid  *int64          `json:"tid"`
	Args json.RawMessage `json:"args"`
}

// Validate decodes a trace in the JSON Object Format ({"traceEvents":
// [...]}) and checks that every event has name, ph, ts, pid and tid, that
// X (complete) events have a non-negative dur, that the phases are ones
// the format defines, and that the spans of each track nest: two spans on
// one track are disjoint or one contains the other.
func Validate(data []byte) ([]Event, error) {
	var doc struct {
		TraceEvents []Event `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not trace JSON: %v", err)
	}
	if doc.TraceEvents == nil {
		return nil, fmt.Errorf("no traceEvents array")
	}
	known := map[string]bool{"X": true, "B": true, "E": true, "i": true, "I": true, "C": true, "M": true}
	type span struct{ start, end float64 }
	tracks := map[[2]int64][]span{}
	for i, e := range doc.TraceEvents {
		if e.Name == "" || e.Ph == "" || e.Ts == nil || e.Pid == nil || e.Tid == nil {
			return nil, fmt.Errorf("event %d (%+v): name, ph, ts, pid and tid are required", i, e)
		}
		if !known[e.Ph] {
			return nil, fmt.Errorf("event %d: unknown phase %q", i, e.Ph)
		}
		if e.Ph == "X" {
			if e.Dur == nil || *e.Dur < 0 {
				return nil, fmt.Errorf("event %d (%s): an X event needs dur >= 0", i, e.Name)
			}
			k := [2]int64{*e.Pid, *e.Tid}
			tracks[k] = append(tracks[k], span{*e.Ts, *e.Ts + *e.Dur})
		}
	}
	for k, spans := range tracks {
		sort.SliceStable(spans, func(i, j int) bool {
			if spans[i].start != spans[j].start {
				return spans[i].start < spans[j].start
			}
			return spans[i].end > spans[j].end
		})
		var open []span // the enclosing spans, outermost first
		for _, s := range spans {
			for len(open) > 0 && open[len(open)-1].end <= s.start {
				open = open[:len(open)-1]
			}
			if len(open) > 0 && s.end > open[len(open)-1].end {
				return nil, fmt.Errorf("track %v: span [%v, %v] overlaps [%v, %v] without nesting",
					k, s.start, s.end, open[len(open)-1].start, open[len(open)-1].end)
			}
			open = append(open, s)
		}
	}
	return doc.TraceEvents, nil
}
