"""What `kiosk bench` measures, in one place (benchmarks, not tests: real code, real
databases, real processes on this machine).

    queue.py         issue latency and the kiosk's customer path (100 and 10,000
                     waiting), the service buttons after a change and read again, four
                     kiosk processes on raw SQL / issue() / the kiosk path, call-next with
                     10,000 and 50,000 waiting (PostgreSQL also before ANALYZE)
    raw.py           the raw SQL issuing workers (the limit beside issue())
    ticket.py        bytes per ticket and render times
    cli_start.py     `kiosk status` / `issue` / `call` as whole processes beside a bare
                     Python, temporary folders left, status at 10,000 waiting against 100
    display.py       commit → display in another process; idle hall display CPU, also
                     with 10,000 waiting and the scrolling notice on a moving clock
    kiosk_window.py  kiosk process start → first frame, and its memory
    console.py       manager console: hall table refresh after a change, first frame
                     (2,000 waiting)
    teller.py        teller panel: call-next click → number drawn, 2,000 waiting
    figures.py       a busy branch's month (12,000 tickets made through the service):
                     its figures from SQLite, and `kiosk report --month` end to end
    report_pdf.py    the same month as the lobby manager's PDF: write_pdf, and
                     `kiosk report --month --format pdf` end to end
    console_figures.py  the console's Figures tab on a busy day (450 customers through the
                     service): a committed change → figures computed → tab redrawn
    web.py           the web station with 500 phone pages open: a call → every page, and
                     the station's memory and CPU at rest with them
    simulate.py      the simulator: a busy day's cost (bar 50 ms), with and without the
                     forecast at each arrival, and the bootstrap over 160 days
    binding.py       the Qt binding keeps reference counts across signal emits
    soak.py          a display and a kiosk process through a busy week: alive, memory flat,
                     everything they hold bounded (`--soak`)
    suite.py         runs the figures chosen (`--only`, `--soak`) and words the summary

Each figure is imported and called by name in suite.py: a figure that cannot be imported
fails the bench loudly instead of disappearing from it.
"""

FIGURES = ("queue", "ticket", "cli", "sync", "kiosk_window", "console", "teller", "figures",
           "report_pdf", "console_figures", "web", "simulate", "binding", "soak")
"""Every figure, in the order they run; `soak` (minutes) only when asked for."""

DEFAULT_FIGURES = ("queue", "ticket", "cli", "sync", "kiosk_window", "console", "teller",
                   "figures", "report_pdf", "console_figures", "web", "simulate", "binding")
SOAK_FIGURES = ("binding", "soak")
"""`kiosk bench --soak`: what a new Qt binding must pass before it enters the lock."""
