use proptest::prelude::*;

use super::*;

#[test]
fn da_basic_and_month_ends() {
    assert_eq!(shift_da("20230115", 10).unwrap(), "20230125");
    assert_eq!(shift_da("20230131", 1).unwrap(), "20230201");
    assert_eq!(shift_da("20230430", 1).unwrap(), "20230501");
    assert_eq!(shift_da("20230301", -1).unwrap(), "20230228");
    assert_eq!(shift_da("20230115", 0).unwrap(), "20230115");
}

#[test]
fn da_leap_years() {
    assert_eq!(shift_da("20240228", 1).unwrap(), "20240229");
    assert_eq!(shift_da("20240229", 1).unwrap(), "20240301");
    assert_eq!(shift_da("20240301", -1).unwrap(), "20240229");
    assert_eq!(shift_da("20240229", 365).unwrap(), "20250228");
    assert_eq!(shift_da("19000228", 1).unwrap(), "19000301"); // 1900 not leap
    assert_eq!(shift_da("20000228", 1).unwrap(), "20000229"); // 2000 leap
    assert_eq!(shift_da("20230229", 0), Err(DateError::InvalidDate));
    assert_eq!(shift_da("19000229", 0), Err(DateError::InvalidDate));
}

#[test]
fn da_negative_shifts_across_years() {
    assert_eq!(shift_da("20240105", -10).unwrap(), "20231226");
    assert_eq!(shift_da("20240101", -1).unwrap(), "20231231");
    assert_eq!(shift_da("20240101", -366).unwrap(), "20221231");
    assert_eq!(shift_da("20240315", -3650).unwrap(), "20140318");
}

#[test]
fn da_padding_and_legacy_form() {
    assert_eq!(shift_da("20230115 ", 1).unwrap(), "20230116");
    assert_eq!(shift_da("20230115\0", 1).unwrap(), "20230116");
    assert_eq!(shift_da("2023.01.15", 1).unwrap(), "20230116");
    assert_eq!(shift_da("", 5).unwrap(), "");
    assert_eq!(shift_da("  ", 5).unwrap(), "");
}

#[test]
fn da_invalid_values() {
    for value in [
        "20231340",
        "20231301",
        "20230132",
        "20230100",
        "00000000",
        "2023011",
        "202301155",
        "2023-01-15",
        "2023/01/15",
        "abcdefgh",
        "2023.1.15",
        "20230115-20230116",
        "+2023011",
        "２０２３０１１５",
        "\u{80}\u{10000}\u{a1}", // found by proptest: byte 4 inside a char
        "aAA \u{10000}",         // found by proptest: 8 bytes, not ASCII
    ] {
        assert_eq!(shift_da(value, 1), Err(DateError::InvalidDate), "{value}");
        assert!(!validate_da(value), "{value}");
    }
}

#[test]
fn da_out_of_range() {
    assert_eq!(shift_da("99991231", 1), Err(DateError::OutOfRange));
    assert_eq!(shift_da("00010101", -1), Err(DateError::OutOfRange));
    assert_eq!(shift_da("20230101", i32::MAX), Err(DateError::OutOfRange));
    assert_eq!(shift_da("20230101", i32::MIN), Err(DateError::OutOfRange));
}

#[test]
fn errors_never_carry_values() {
    let err = shift_da("1965041X", 0).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("1965"));
    let err = shift_dt("1965041X", 0).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("1965"));
}

#[test]
fn dt_keeps_time_fraction_and_zone() {
    assert_eq!(shift_dt("20230115103000", 1).unwrap(), "20230116103000");
    assert_eq!(
        shift_dt("20231231235959.123456+0100", 1).unwrap(),
        "20240101235959.123456+0100"
    );
    assert_eq!(
        shift_dt("20240301083000.5-0500", -1).unwrap(),
        "20240229083000.5-0500"
    );
    assert_eq!(shift_dt("2023011510+0000", 3).unwrap(), "2023011810+0000");
    assert_eq!(shift_dt("202301151030", -15).unwrap(), "202212311030");
    assert_eq!(shift_dt("20230115", 1).unwrap(), "20230116");
    assert_eq!(shift_dt("20230115-0500", 1).unwrap(), "20230116-0500");
    assert_eq!(
        shift_dt("20230115103000.1 ", 1).unwrap(),
        "20230116103000.1"
    );
    assert_eq!(shift_dt("", 1).unwrap(), "");
}

#[test]
fn dt_partial_precision_is_shifted_from_the_middle() {
    // YYYYMM: from the 15th.
    assert_eq!(shift_dt("202303", 10).unwrap(), "202303");
    assert_eq!(shift_dt("202303", 20).unwrap(), "202304");
    assert_eq!(shift_dt("202303", -20).unwrap(), "202302");
    assert_eq!(shift_dt("202301", -20).unwrap(), "202212");
    assert_eq!(shift_dt("202301+0100", -20).unwrap(), "202212+0100");
    // YYYY: from 2 July.
    assert_eq!(shift_dt("2023", 100).unwrap(), "2023");
    assert_eq!(shift_dt("2023", 200).unwrap(), "2024");
    assert_eq!(shift_dt("2023", -200).unwrap(), "2022");
    assert_eq!(shift_dt("2023-0500", -200).unwrap(), "2022-0500");
    assert_eq!(shift_dt("2023", -3650).unwrap(), "2013");
}

#[test]
fn dt_invalid_values() {
    for value in [
        "20231340",
        "202313",
        "20230115250000",
        "20230115236000",
        "20230115235961",
        "2023011510300",
        "20230115103000.",
        "20230115103000.1234567",
        "202301151030.5",
        "20230115+010",
        "20230115+1500",
        "20230115-1201",
        "20230115+0160",
        "20230115+01000",
        "2023011510300000",
        "20230115 103000",
        "20",
        "abc",
        "2023:01",
    ] {
        assert_eq!(
            shift_dt(value, 1),
            Err(DateError::InvalidDateTime),
            "{value}"
        );
        assert!(!validate_dt(value), "{value}");
    }
}

#[test]
fn validation() {
    for value in ["20230115", "20240229", "20230115 ", ""] {
        assert!(validate_da(value), "{value}");
    }
    assert!(!validate_da("2023.01.15"));
    for value in [
        "2023",
        "202301",
        "20230115",
        "2023011523",
        "202301152359",
        "20230115235960",
        "20230115235959.1",
        "20230115235959.123456",
        "20230115235959.123456+1400",
        "2023-1200",
        "",
    ] {
        assert!(validate_dt(value), "{value}");
    }
    for value in ["00", "23", "2359", "235960", "235959.123456", "120000 ", ""] {
        assert!(validate_tm(value), "{value}");
    }
    for value in [
        "24",
        "2360",
        "235961",
        "1",
        "123",
        "12:00:00",
        "120000.",
        "120000.1234567",
        "1200.5",
        "ab",
    ] {
        assert!(!validate_tm(value), "{value}");
    }
}

#[test]
fn multi_values() {
    assert_eq!(
        shift_multi("20230115\\20231231", 1, shift_da).unwrap(),
        "20230116\\20240101"
    );
    assert_eq!(
        shift_multi("20230115\\", 1, shift_da).unwrap(),
        "20230116\\"
    );
    assert_eq!(
        shift_multi("20230115\\2023011X", 1, shift_da),
        Err(DateError::InvalidDate)
    );
    assert_eq!(
        shift_multi("2023+0100\\20230115120000", 366, shift_dt).unwrap(),
        "2024+0100\\20240116120000"
    );
}

fn valid_date() -> impl Strategy<Value = NaiveDate> {
    (1i32..=9999, 1u32..=12, 1u32..=31).prop_filter_map("calendar date", |(y, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d)
    })
}

proptest! {
    #[test]
    fn da_shift_round_trips(date in valid_date(), days in -200_000i32..200_000) {
        let value = format_ymd(date);
        if let Ok(shifted) = shift_da(&value, days) {
            prop_assert!(validate_da(&shifted));
            prop_assert_eq!(shift_da(&shifted, -days).unwrap(), value);
        }
    }

    #[test]
    fn dt_shift_round_trips(
        date in valid_date(),
        days in -200_000i32..200_000,
        time in prop::sample::select(vec!["", "10", "1030", "103059", "103059.1", "235960.123456"]),
        zone in prop::sample::select(vec!["", "+0100", "-0500", "+1400", "-1200", "+0000"]),
    ) {
        let value = format!("{}{time}{zone}", format_ymd(date));
        prop_assert!(validate_dt(&value));
        if let Ok(shifted) = shift_dt(&value, days) {
            prop_assert!(validate_dt(&shifted));
            let suffix = format!("{time}{zone}");
            prop_assert!(shifted.ends_with(&suffix));
            prop_assert_eq!(shift_dt(&shifted, -days).unwrap(), value);
        }
    }

    #[test]
    fn shift_never_panics(value in ".{0,40}", days in any::<i32>()) {
        let _ = shift_da(&value, days);
        let _ = shift_dt(&value, days);
        let _ = validate_tm(&value);
    }
}
