# table.awk - turns the ROW lines of the bench programs (bench/bench_rows.h)
# into one aligned markdown table, in the order the rows came. Used by
# bench/run.sh; also by hand: awk -f bench/table.awk ROWS_FILE
BEGIN {
  FS = "\t"
  ncol = split("operation|size|time|throughput|peak memory|baseline (same run)|ratio|goal",
               head, "|")
  split("l|r|r|r|r|l|r|l", align, "|")
  for (c = 1; c <= ncol; c++) width[c] = length(head[c])
  n = 0
}

function commas(x,    s, neg, out) {
  s = sprintf("%.0f", x)
  neg = substr(s, 1, 1) == "-"
  if (neg) s = substr(s, 2)
  out = ""
  while (length(s) > 3) {
    out = "," substr(s, length(s) - 2) out
    s = substr(s, 1, length(s) - 3)
  }
  return (neg ? "-" : "") s out
}

function seconds(x) { return sprintf(x < 1 ? "%.3f s" : "%.2f s", x) }

function amount(x, unit) {
  if (unit == "s") return seconds(x)
  return (x >= 100 ? commas(x) : sprintf("%.2f", x)) " " unit
}

$1 == "ROW" && NF == 14 {
  n++
  cell[n, 1] = $2
  cell[n, 2] = commas($3) " " $4
  cell[n, 3] = seconds($5)
  cell[n, 4] = amount($6, $7)
  cell[n, 5] = $8 == "-" ? "-" : sprintf("%.1f MiB", $8)
  cell[n, 6] = $9 == "-" ? "-" : $9 " (" amount($10, $11) ")"
  cell[n, 7] = $12 == "-" ? "-" : sprintf("%.2fx", $12)
  if ($13 == "-") cell[n, 8] = "-"
  else if ($14 == "met") cell[n, 8] = $13 ": met"
  else if ($14 == "not met") cell[n, 8] = $13 ": NOT met"
  else cell[n, 8] = $13 ": not measured"
  for (c = 1; c <= ncol; c++)
    if (length(cell[n, c]) > width[c]) width[c] = length(cell[n, c])
  next
}

$1 == "ROW" { printf "table.awk: malformed row (%d fields): %s\n", NF, $0 > "/dev/stderr"; bad = 1 }

function pad(s, c) {
  if (align[c] == "r") return sprintf("%" width[c] "s", s)
  return sprintf("%-" width[c] "s", s)
}

END {
  line = "|"
  for (c = 1; c <= ncol; c++) line = line " " pad(head[c], c) " |"
  print line
  line = "|"
  for (c = 1; c <= ncol; c++) {
    dash = sprintf("%" (width[c] + 1) "s", "")
    gsub(/ /, "-", dash)
    line = line (align[c] == "r" ? dash ":" : dash "-") "|"
  }
  print line
  for (i = 1; i <= n; i++) {
    line = "|"
    for (c = 1; c <= ncol; c++) line = line " " pad(cell[i, c], c) " |"
    print line
  }
  if (!n) { print "table.awk: no rows" > "/dev/stderr"; bad = 1 }
  exit bad
}
