// A parser for the subset of PromQL that the query engine (query.h) evaluates: one selector, at
// most one range function around it, at most one aggregation around that. The time range and the
// step are not part of the text: the caller fills start_ms, end_ms and step_ms of the result.
//
//   CISTERN_ASSIGN_OR_RETURN(QueryRequest q,
//       ParseQuery(R"(sum by (instance) (rate(ifHCInOctets{ifName=~"xe-.*"}[5m])))"));
//   q.start_ms = now - 3600'000; q.end_ms = now; q.step_ms = 60'000;
//
// Grammar (whitespace allowed between tokens; parentheses may wrap any expression):
//   query       := aggregation | call | selector
//   aggregation := AGG [grouping] "(" (call | selector) ")" [grouping]   (grouping at most once)
//   AGG         := sum | avg | min | max | count
//   grouping    := ("by" | "without") "(" [label {"," label} [","]] ")"
//   call        := FUNC "(" selector ")"
//   FUNC        := rate | increase | delta | avg_over_time | min_over_time | max_over_time
//                | sum_over_time | count_over_time | last_over_time
//   selector    := metric ["{" matchers "}"] [range] | "{" matchers "}" [range]
//   matchers    := [matcher {"," matcher} [","]]
//   matcher     := label ("=" | "!=" | "=~" | "!~") string
//   range       := "[" duration "]"          (see ParseDurationMs)
//   string      := "..." or '...' with the escapes \" \' \\ \n \t \r, or `raw` without escapes
// A metric name becomes the first matcher, __name__="metric"; `{__name__=~"if.*"}` selects by a
// regex on the name (then no metric may precede the braces). As in Prometheus, a selector needs at
// least one matcher that does not match the empty string. The range of a selector (`[5m]`) is
// checked and ignored: the engine's bucket is always the query step. An aggregation keyword
// followed by neither "(" nor by/without is read as a metric name.
//
// Errors: InvalidArgument naming the byte offset (from 0) where the text goes wrong and what was
// expected there, e.g. `catena: query: at byte 21: expected "," or "}" after a matcher, found "x"`;
// a regex that does not compile is reported at its string. Nested aggregations, nested calls,
// binary operators, offsets and subqueries are not supported and are errors. Nothing throws.
// Pure functions: safe from any thread.
#ifndef CISTERN_CATENA_QUERY_PARSER_H_
#define CISTERN_CATENA_QUERY_PARSER_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "cistern/catena/query.h"

namespace cistern::catena {

// The matchers, function, aggregation and grouping of `text`; every other field keeps its default.
absl::StatusOr<QueryRequest> ParseQuery(std::string_view text);

// A Prometheus duration in milliseconds: one or more <integer><unit> with units ms, s, m, h,
// d (24h), w (7d), y (365d), largest first, each unit at most once: "250ms", "1h30m", "2d", "1w".
// "0" alone is 0. InvalidArgument (with the byte offset) for anything else or beyond int64.
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_QUERY_PARSER_H_
