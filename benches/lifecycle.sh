#!/usr/bin/env bash
# The lifecycle on the bundled corpus, from suggestion to published answer (issue 29):
# April's 532 submissions analysed, forwarded, answered (seven rows in ten of each body's
# workbook filled in, one answer per group of like questions), late bodies listed, then May's
# 279 analysed against April's archived answers, and the conclusion notice drafted. Prints
# the counts; with LibreOffice and poppler-utils installed, renders the notice's first page
# to benches/notice-page1.png.
#
#   bash benches/lifecycle.sh        (needs python3 with openpyxl to fill the workbooks)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
y="$here/target/release/ykien"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
python3 - "$here/corpus/submissions.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
for name, keep in (("thang-4.csv", lambda r: r["submitted_at"] < "2024-05"), ("thang-5.csv", lambda r: r["submitted_at"] >= "2024-05")):
    with open(name, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=["id", "text", "locality", "submitted_at"], extrasaction="ignore")
        out.writeheader()
        out.writerows(r for r in rows if keep(r))
EOF
echo "== analyse April"; "$y" analyze thang-4.csv --data-dir data --out out-4 --profile lang-son-2024 | tail -2
echo "== forward"; "$y" forward --all-suggested --data-dir data --profile lang-son-2024
python3 - <<'EOF'
import glob, openpyxl
for f in sorted(glob.glob("data/forward/*.xlsx")):
    wb = openpyxl.load_workbook(f); ws = wb.active
    head = [c.value for c in ws[3]]
    a, o, g = head.index("Trả lời") + 1, head.index("Cán bộ trả lời") + 1, head.index("Nhóm ý kiến") + 1
    for r in range(4, ws.max_row + 1):
        if r % 10 < 7:
            ws.cell(r, a).value = f"Về «{ws.cell(r, g).value}»: cơ quan đã tiếp thu và chỉ đạo các đơn vị trực thuộc hướng dẫn cụ thể cho thanh niên."
            ws.cell(r, o).value = "Cán bộ phụ trách"
    wb.save(f)
EOF
echo "== answers import"; "$y" answers import data/forward/*.xlsx --data-dir data 2>/dev/null
late=$(date -d "+20 days" +%d/%m/%Y)
echo "== status on $late"; "$y" status --as-of "$late" --data-dir data --profile lang-son-2024 | tail -20
echo "== analyse May against April's answers"; "$y" analyze thang-5.csv --data-dir data --out out-5 --profile lang-son-2024 | grep -i "trả lời" || true
echo "== notice"; "$y" notice --data-dir data --profile lang-son-2024 --publish
if command -v soffice >/dev/null && command -v pdftoppm >/dev/null; then
  soffice --headless --convert-to pdf --outdir pdf data/notice/thong-bao-ket-luan.docx >/dev/null 2>&1
  echo "notice: $(pdfinfo pdf/thong-bao-ket-luan.pdf 2>/dev/null | grep Pages || true)"
  pdftoppm -png -r 60 -f 1 -l 1 pdf/thong-bao-ket-luan.pdf page
  cp page-*1.png "$here/benches/notice-page1.png" && echo "first page: benches/notice-page1.png"
fi
