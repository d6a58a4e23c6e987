"""The key wraps: what a person types only ever unwraps the random data key."""

from conftest import FAST_KDF

from mentor_app.storage import keywrap


def test_passphrase_unwraps_only_with_the_right_passphrase_and_profile():
    key = keywrap.new_data_key()
    wrap = keywrap.wrap_with_passphrase(key, "a long passphrase", "profile-a", FAST_KDF)
    assert keywrap.unwrap_with_passphrase(wrap, "a long passphrase", "profile-a") == key
    assert keywrap.unwrap_with_passphrase(wrap, "a long passphrasE", "profile-a") is None
    # A wrap copied into another profile's file does not open it.
    assert keywrap.unwrap_with_passphrase(wrap, "a long passphrase", "profile-b") is None


def test_wrap_stores_its_kdf_parameters_and_no_key_material():
    key = keywrap.new_data_key()
    wrap = keywrap.wrap_with_passphrase(key, "a long passphrase", "p", FAST_KDF)
    assert wrap["kdf"] == "argon2id"
    assert (wrap["time_cost"], wrap["memory_kib"], wrap["parallelism"]) == (1, 8 * 1024, 1)
    assert key.hex() not in str(wrap)


def test_recovery_code_is_written_down_easily_and_forgives_case_and_spacing():
    code = keywrap.new_recovery_code()
    groups = code.split("-")
    assert len(groups) == 5 and all(len(g) == 5 for g in groups)
    assert not set(code) & set("01ILOU")
    key = keywrap.new_data_key()
    wrap = keywrap.wrap_with_recovery_code(key, code, "p")
    typed = " ".join(groups).lower()
    assert keywrap.unwrap_with_recovery_code(wrap, typed, "p") == key


def test_wrong_recovery_code_opens_nothing():
    key = keywrap.new_data_key()
    code = keywrap.new_recovery_code()
    wrap = keywrap.wrap_with_recovery_code(key, code, "p")
    other = keywrap.new_recovery_code()
    assert keywrap.unwrap_with_recovery_code(wrap, other, "p") is None
    assert keywrap.unwrap_with_recovery_code(wrap, "not a code", "p") is None


def test_calibration_never_goes_below_two_passes_of_64_mib():
    params = keywrap.calibrate_argon2(target_seconds=0.05)
    assert params.time_cost >= 2
    assert params.memory_kib == 64 * 1024


def test_key_check_tells_keys_apart_without_revealing_them():
    a, b = keywrap.new_data_key(), keywrap.new_data_key()
    assert keywrap.key_check(a) == keywrap.key_check(a)
    assert keywrap.key_check(a) != keywrap.key_check(b)
    assert keywrap.key_check(a) not in a.hex()
