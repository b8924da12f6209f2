//! Test helpers shared by the test binaries and the tests.

/// A `SELECT n` of the numbers `1..=rows`, one statement on every backend:
/// a cross join of digits, since MariaDB stops recursive CTEs after 1,000
/// iterations.
pub fn numbers(rows: u64) -> String {
    let digits = "SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 \
                  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 \
                  UNION ALL SELECT 8 UNION ALL SELECT 9";
    let places = rows.max(1).to_string().len();
    let from: Vec<String> = (0..places).map(|p| format!("({digits}) d{p}")).collect();
    let sum: Vec<String> = (0..places)
        .map(|p| format!("d{p}.i * {}", 10u64.pow(p as u32)))
        .collect();
    format!(
        "SELECT n FROM (SELECT {} + 1 AS n FROM {}) numbers WHERE n <= {rows}",
        sum.join(" + "),
        from.join(" CROSS JOIN ")
    )
}
