/** The pages' only stylesheet, inlined (the CSP allows inline styles and nothing else). */
export const STYLES = `
:root { --fg:#1d2530; --muted:#5f6b7a; --line:#e3e7ec; --bg:#f5f7fa; --card:#fff; --accent:#1f5fbf;
  --matched:#1e7e45; --mismatched:#c0392b; --timing:#b7791f; --inactive:#6b7280; --error:#7d3c98;
  --running:#1f5fbf; --finished:#1e7e45; --failed:#c0392b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14213d; color:#fff; padding:10px 24px; display:flex; align-items:baseline; gap:24px; flex-wrap:wrap; }
header .brand { font-weight:700; font-size:17px; color:#fff; text-decoration:none; }
header nav { display:flex; gap:16px; flex-wrap:wrap; }
header nav a { color:#cfd8e3; text-decoration:none; }
header nav a:hover { color:#fff; text-decoration:underline; }
header .tz { margin-left:auto; color:#9fb0c4; font-size:12px; }
main { max-width:1240px; margin:0 auto; padding:18px 24px 48px; }
section { overflow-x:auto; background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin:0 0 18px; }
h1 { font-size:20px; margin:0 0 4px; } h2 { font-size:16px; margin:0 0 12px; }
h2 .sub, .muted { color:var(--muted); font-weight:400; }
a { color:var(--accent); }
.meta { color:var(--muted); margin:0 0 14px; }
.tiles { display:flex; gap:10px; flex-wrap:wrap; margin:0 0 14px; }
.tile { border:1px solid var(--line); border-left:4px solid var(--c,#999); border-radius:6px; padding:8px 14px; min-width:118px; }
.tile .n { font-size:22px; font-weight:700; font-variant-numeric:tabular-nums; }
.tile .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile.money .n { font-size:18px; }
table { border-collapse:collapse; width:100%; }
table.by-provider { width:auto; min-width:620px; margin-bottom:8px; }
th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.03em; background:#fafbfc; }
tbody tr:nth-child(even) { background:#fbfcfd; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.neg { color:var(--mismatched); }
td.when { white-space:nowrap; }
tr.sub td { font-size:12px; }
td.err { color:var(--muted); min-width:170px; max-width:300px; overflow-wrap:anywhere; font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:var(--c,#999); }
.s-matched { --c:var(--matched); } .s-mismatched { --c:var(--mismatched); } .s-timing { --c:var(--timing); }
.s-inactive { --c:var(--inactive); } .s-error { --c:var(--error); } .s-running { --c:var(--running); }
.s-finished { --c:var(--finished); } .s-failed { --c:var(--failed); }
.links a { margin-right:14px; }
.pager { margin-top:10px; } .pager a, .pager span { margin-right:12px; }
.small { font-size:12px; }
.placeholder { border-style:dashed; background:#fcfcfd; }
.chart text { font-size:11px; fill:var(--muted); }
.chart .legend text { fill:var(--fg); font-size:12px; }
.chart .grid { stroke:var(--line); } .chart .baseline { stroke:#9aa5b1; }
.chart .bar { fill:#e07a5f; } .chart .bar:hover { fill:#c0392b; }
.chart .line { fill:none; stroke:#1f5fbf; stroke-width:2; } .chart .dot { fill:#1f5fbf; }
.chart .empty { font-size:14px; }
.chart .norun { fill:#9aa5b1; font-size:16px; }
details summary { cursor:pointer; color:var(--accent); margin-top:8px; }
table.history-table tbody.history tr.main td { border-top:2px solid var(--line); }
table.history-table tbody.history tr.sub td { border-bottom:0; padding-top:0; }
table.history-table tbody.history:nth-child(even) { background:#fbfcfd; }
table.history-table tbody tr:nth-child(even) { background:inherit; }
.entries { width:auto; min-width:55%; margin:4px 0 6px 0; background:#fff; }
.entries th { background:#f3f5f8; }
.attribution { width:auto; min-width:45%; margin:4px 0 6px 0; background:#fff; }
.hint { margin:4px 0 8px; padding:6px 10px; border-left:3px solid var(--timing); background:#fff8e6; font-size:13px; }
`;
