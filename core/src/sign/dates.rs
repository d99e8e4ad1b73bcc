//! The two timestamp formats signatures carry, written digit by digit instead of through
//! `chrono`'s format strings (which parse the pattern on every call). Years outside `0..=9999`,
//! which `chrono` writes with a sign, are left to `chrono`.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends `n % 100` as two digits.
fn push_two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// The year as a number of four digits, if it has at most four and no sign.
fn plain_year(time: &NaiveDateTime) -> Option<u32> {
    u32::try_from(time.year()).ok().filter(|y| *y <= 9999)
}

/// Seconds as `%S` writes them: 60 during a leap second.
fn second(time: &NaiveDateTime) -> u32 {
    time.second() + time.nanosecond() / 1_000_000_000
}

/// `%Y%m%dT%H%M%SZ` (`20231203T121212Z`).
pub(crate) fn iso8601_basic(time: DateTime<Utc>) -> String {
    // The fields of a `DateTime<Utc>` are found through its offset; of the naive time, directly.
    let utc = time.naive_utc();
    let Some(year) = plain_year(&utc) else {
        return time.format("%Y%m%dT%H%M%SZ").to_string();
    };
    let time = utc;
    let mut out = String::with_capacity(16);
    push_two(&mut out, year / 100);
    push_two(&mut out, year);
    push_two(&mut out, time.month());
    push_two(&mut out, time.day());
    out.push('T');
    push_two(&mut out, time.hour());
    push_two(&mut out, time.minute());
    push_two(&mut out, second(&time));
    out.push('Z');
    out
}

/// `%a, %d %b %Y %H:%M:%S GMT` (`Sun, 03 Dec 2023 12:12:12 GMT`).
pub(crate) fn http_date(time: DateTime<Utc>) -> String {
    let utc = time.naive_utc();
    let Some(year) = plain_year(&utc) else {
        return time.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    };
    let time = utc;
    let weekday = WEEKDAYS[time.weekday().num_days_from_sunday() as usize % 7];
    let month = MONTHS[time.month0() as usize % 12];
    let mut out = String::with_capacity(29);
    out.push_str(weekday);
    out.push_str(", ");
    push_two(&mut out, time.day());
    out.push(' ');
    out.push_str(month);
    out.push(' ');
    push_two(&mut out, year / 100);
    push_two(&mut out, year);
    out.push(' ');
    push_two(&mut out, time.hour());
    out.push(':');
    push_two(&mut out, time.minute());
    out.push(':');
    push_two(&mut out, second(&time));
    out.push_str(" GMT");
    out
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn check(time: DateTime<Utc>) {
        assert_eq!(
            iso8601_basic(time),
            time.format("%Y%m%dT%H%M%SZ").to_string()
        );
        assert_eq!(
            http_date(time),
            time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
        );
    }

    #[test]
    fn matches_chrono_formatting() {
        let mut t = Utc.with_ymd_and_hms(1969, 12, 25, 0, 0, 0).unwrap();
        // Every day of ~60 years, at a time that moves through hours, minutes and seconds.
        for i in 0..22_000 {
            check(t);
            t += chrono::Duration::seconds(86_400 + 3_661 + i % 7);
        }
        for year in [-10_000, -1, 0, 1, 99, 999, 1000, 9999, 10_000, 262_000] {
            check(Utc.with_ymd_and_hms(year, 2, 28, 23, 59, 59).unwrap());
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        check(leap);
    }
}
