"""The branch's figures drawn: charts for the manager console and the PDF report.

    words.py   the report's words in Chinese and English, and how figures are written
               (m:ss waits, percentages, periods); no Qt
    charts.py  the charts, Qt's own QtCharts: one QChart per chart, shown on screen in a
               QChartView and drawn into the PDF by `render_chart`
    layout.py  A4 pages from headings, text, tables that run over pages, and charts
    pdf.py     `write_pdf(figures, out, author=...)`: the lobby manager's report
    export.py  the figures as CSV tables and JSON

Nothing here reads the database: the report and the charts take the figures
(kiosk.queue.figures) or plain sequences, so the console, the `kiosk report` command and
the tests draw exactly the same thing.
"""
