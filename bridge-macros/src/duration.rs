//! Durations in attributes, written like `"30s"`, `"1h"` or `"1h30m"`, checked at compile time.

/// Units, longest suffix first so that `ms` is not read as `m` followed by garbage.
const UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// What to write instead; shared by every duration error.
pub(crate) const HOW: &str =
    "write a whole number followed by ms, s, m, h or d, like \"30s\", \"5m\" or \"1h30m\"";

/// Parses `text` into milliseconds. The error says what is wrong, without the advice in [`HOW`].
pub(crate) fn parse_millis(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("the duration is empty".to_owned());
    }
    let mut rest = text;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at `{rest}`"));
        }
        let (number, after) = rest.split_at(digits);
        let Some(&(unit, factor)) = UNITS.iter().find(|(u, _)| {
            after.starts_with(u) && !after[u.len()..].starts_with(|c: char| c.is_alphabetic())
        }) else {
            let unit: String = after.chars().take_while(|c| !c.is_ascii_digit()).collect();
            return Err(if unit.is_empty() {
                format!("`{number}` has no unit")
            } else {
                format!("`{unit}` is not a unit")
            });
        };
        let value = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(factor))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| "the duration is too long".to_owned())?;
        total = value;
        rest = &after[unit.len()..];
    }
    if total == 0 {
        return Err("the duration is zero".to_owned());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn accepts_units_and_combinations() {
        assert_eq!(parse_millis("250ms"), Ok(250));
        assert_eq!(parse_millis("30s"), Ok(30_000));
        assert_eq!(parse_millis("5m"), Ok(300_000));
        assert_eq!(parse_millis("1h"), Ok(3_600_000));
        assert_eq!(parse_millis("2d"), Ok(172_800_000));
        assert_eq!(parse_millis("1h30m"), Ok(5_400_000));
        assert_eq!(parse_millis("1m500ms"), Ok(60_500));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "", "30", "s", "30 s", "30sec", "1.5h", "-5s", "0s", "0h0m", "5x", "h1",
        ] {
            assert!(parse_millis(bad).is_err(), "`{bad}` must be rejected");
        }
        assert_eq!(parse_millis("30"), Err("`30` has no unit".to_owned()));
        assert_eq!(parse_millis("30sec"), Err("`sec` is not a unit".to_owned()));
        assert!(parse_millis("99999999999999999999d").is_err());
        assert!(parse_millis("213503982334601d").is_err());
    }
}
