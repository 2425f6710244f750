//! Stage timings for benchmarks: with `YKIEN_TIMINGS` set, each stage's wall time, user
//! and system CPU time, page faults and resident memory go to stderr (Linux's /proc).

/// Stage timings, printed to stderr when `YKIEN_TIMINGS` is set (for benchmarks).
pub struct Stages {
    on: bool,
    at: std::time::Instant,
    cpu: ProcCpu,
}

/// User and system CPU time (clock ticks) and minor page faults of this process so far,
/// from /proc/self/stat (Linux; zeros elsewhere).
#[derive(Clone, Copy, Default)]
struct ProcCpu {
    user: u64,
    sys: u64,
    minflt: u64,
}

impl ProcCpu {
    /// The figures now.
    fn now() -> Self {
        let Some(stat) = std::fs::read_to_string("/proc/self/stat").ok() else { return ProcCpu::default() };
        // Fields after the command name (which may hold spaces) in parentheses: state is field 3.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<u64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
        let at = |field: usize| f.get(field - 3).copied().unwrap_or(0);
        ProcCpu { user: at(14), sys: at(15), minflt: at(10) }
    }
}

impl Stages {
    /// Starts the clock.
    pub fn start() -> Self {
        let on = std::env::var_os("YKIEN_TIMINGS").is_some();
        Stages { on, at: std::time::Instant::now(), cpu: if on { ProcCpu::now() } else { ProcCpu::default() } }
    }
    /// Prints the time since the last lap, the CPU time and page faults in it, and resident
    /// memory (when asked for), and restarts the clock.
    pub fn lap(&mut self, what: &str) {
        if self.on {
            // Resident memory now, from /proc (Linux), to see where memory goes.
            let rss_mb = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map_or(0, |pages| pages * 4096 / 1_000_000);
            let cpu = ProcCpu::now();
            // Linux reports CPU time in ticks of 1/100 s.
            let secs = |a: u64, b: u64| a.saturating_sub(b) as f64 / 100.0;
            eprintln!(
                "timing: {what:<36} {:>8.2} s  {:>6.2} u {:>5.2} sys {:>7} faults  {rss_mb:>6} MB resident",
                self.at.elapsed().as_secs_f64(),
                secs(cpu.user, self.cpu.user),
                secs(cpu.sys, self.cpu.sys),
                cpu.minflt.saturating_sub(self.cpu.minflt)
            );
            self.cpu = cpu;
        }
        self.at = std::time::Instant::now();
    }
}
