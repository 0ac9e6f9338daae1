// Package duixian holds the domain of the E-Town policy fulfillment platform
// (政策兑现平台): the documents of the 2026 No. 9 Beijing Municipal Government
// Gazette (京技管发〔2025〕20–30号), the claims enterprises make under them and the
// decisions the engine gives.
//
// The rules themselves live in the catalogue (directory catalogue/), one YAML
// file per gazette document with the original article text beside each clause;
// package engine loads and evaluates it. This package only names the things
// every other package talks about, and states the business rules that do not
// depend on any one document:
//
//   - Money is exact. An amount is a whole number of fen (Money); the engine
//     computes in decimals and rounds once, half-up, to the precision the
//     document prescribes (most say 以万元为单位，保留两位小数: 100 yuan).
//   - Time is Asia/Shanghai. Dates are civil dates (Date); "today" is the
//     Shanghai date.
//   - Every decision names the document version, the event date and the as-of
//     date it used, and every step of it cites the article it applies (Cite).
package duixian
