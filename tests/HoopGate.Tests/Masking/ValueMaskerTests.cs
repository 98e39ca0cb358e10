using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Masking;
using HoopGate.Policy;

namespace HoopGate.Tests.Masking;

public sealed class ValueMaskerTests
{
    private static readonly PseudonymKey s_key = new(Encoding.UTF8.GetBytes("value-masker-tests-key-0123456789abcdef"));

    [Theory]
    [InlineData("900-12-3456", 4, "***-**-3456")]
    [InlineData("555-010-0001", 4, "***-***-0001")]
    [InlineData("4111 1111 1111 1111", 4, "**** **** **** 1111")]
    [InlineData("1234", 4, "**34")]
    [InlineData("Zoë Ångström", 2, "*** ******öm")]
    [InlineData("", 4, "")]
    public void Partial_hides_letters_and_digits_but_the_last_few_and_never_more_than_half(string value, int keep, string expected)
    {
        Assert.Equal(expected, MaskText(new MaskRule("x", MaskMethod.Partial, keep), value));
    }

    [Theory]
    [InlineData("patient1@example.test", "****@example.test")]
    [InlineData("no-at-sign", "****")]
    public void Email_keeps_only_the_domain(string value, string expected)
    {
        Assert.Equal(expected, MaskText(new MaskRule("x", MaskMethod.Email), value));
    }

    [Theory]
    [InlineData(1082u, "1961-09-06", "1961-01-01")]
    [InlineData(1114u, "1961-09-06 10:11:12.5", "1961-01-01 00:00:00")]
    [InlineData(1184u, "1961-09-06 10:11:12+02", "1961-01-01 00:00:00+02")]
    [InlineData(25u, "1961-09-06", "1961-01-01")]
    [InlineData(25u, "06/09/1961", "[REDACTED]")]
    public void Year_keeps_a_date_to_its_year_in_text_format(uint type, string value, string expected)
    {
        Assert.Equal(expected, MaskText(new MaskRule("x", MaskMethod.Year), value, type));
    }

    [Fact]
    public void Year_of_a_date_that_is_not_in_iso_form_is_null_rather_than_passed()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.False(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Year), 1082, binary: false, "06/09/1961"u8, s_key, output));
    }

    [Fact]
    public void Year_of_a_binary_date_and_timestamp_is_the_first_day_of_that_year()
    {
        var date = new ArrayBufferWriter<byte>();
        byte[] days = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(days, new DateOnly(1961, 9, 6).DayNumber - new DateOnly(2000, 1, 1).DayNumber);
        Assert.True(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Year), 1082, binary: true, days, s_key, date));
        Assert.Equal(new DateOnly(1961, 1, 1).DayNumber - new DateOnly(2000, 1, 1).DayNumber, BinaryPrimitives.ReadInt32BigEndian(date.WrittenSpan));

        var timestamp = new ArrayBufferWriter<byte>();
        byte[] micros = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(micros, (long)(new DateTime(2031, 7, 4, 13, 0, 0) - new DateTime(2000, 1, 1)).TotalMicroseconds);
        Assert.True(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Year), 1184, binary: true, micros, s_key, timestamp));
        Assert.Equal((long)(new DateTime(2031, 1, 1) - new DateTime(2000, 1, 1)).TotalMicroseconds, BinaryPrimitives.ReadInt64BigEndian(timestamp.WrittenSpan));
    }

    [Fact]
    public void Pseudonyms_are_stable_distinct_and_keyed()
    {
        var rule = new MaskRule("x", MaskMethod.Pseudonym);
        string a1 = MaskText(rule, "MRN-00000001");
        string a2 = MaskText(rule, "MRN-00000001");
        string b = MaskText(rule, "MRN-00000002");
        var otherKey = new PseudonymKey(Encoding.UTF8.GetBytes("another-key-0123456789abcdef-0123456789"));
        var other = new ArrayBufferWriter<byte>();
        ValueMasker.TryMask(rule, 25, false, "MRN-00000001"u8, otherKey, other);

        Assert.Equal(a1, a2);
        Assert.NotEqual(a1, b);
        Assert.NotEqual(a1, Encoding.UTF8.GetString(other.WrittenSpan));
        Assert.Matches("^psn_[a-z2-7]{16}$", a1);
    }

    [Theory]
    [InlineData(20u, false)]
    [InlineData(23u, true)]
    [InlineData(2950u, false)]
    public void Pseudonyms_of_integers_and_uuids_stay_valid_for_their_type(uint type, bool binary)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.True(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Pseudonym), type, binary, "12345"u8, s_key, output));
        switch (type)
        {
            case 20:
                Assert.True(long.TryParse(Encoding.ASCII.GetString(output.WrittenSpan), out long number) && number >= 0);
                break;
            case 23:
                Assert.Equal(4, output.WrittenCount);
                break;
            default:
                Assert.True(Guid.TryParse(Encoding.ASCII.GetString(output.WrittenSpan), out _));
                break;
        }
    }

    [Theory]
    [InlineData(MaskMethod.Redact, 1700u)]
    [InlineData(MaskMethod.Partial, 1082u)]
    [InlineData(MaskMethod.Email, 23u)]
    [InlineData(MaskMethod.Pseudonym, 1700u)]
    [InlineData(MaskMethod.Null, 25u)]
    [InlineData(MaskMethod.Redact, 1009u)]
    public void A_value_a_method_cannot_keep_valid_for_its_type_becomes_null(MaskMethod method, uint type)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.False(ValueMasker.TryMask(new MaskRule("x", method), type, binary: false, "123"u8, s_key, output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Detect_keeps_free_text_and_replaces_only_what_the_detectors_find()
    {
        var output = new ArrayBufferWriter<byte>();
        ContentDetector[] detectors = [ContentDetector.BuiltIn["ssn"], ContentDetector.BuiltIn["phone"]];

        Assert.True(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Detect), 25, false, "Called 555-010-1234; SSN 900-12-3456 verified."u8, s_key, detectors, output));

        Assert.Equal("Called [REDACTED:phone]; SSN [REDACTED:ssn] verified.", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Redacted_json_is_still_json()
    {
        Assert.Equal("\"[REDACTED]\"", MaskText(new MaskRule("x", MaskMethod.Redact), "{\"ssn\":\"900-00-0001\"}", 114));
        var jsonb = new ArrayBufferWriter<byte>();
        Assert.True(ValueMasker.TryMask(new MaskRule("x", MaskMethod.Redact, Placeholder: "gone"), 3802, binary: true, "\u0001{}"u8, s_key, jsonb));
        Assert.Equal("\u0001\"gone\"", Encoding.UTF8.GetString(jsonb.WrittenSpan));
    }

    private static string MaskText(MaskRule rule, string value, uint type = 25)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.True(ValueMasker.TryMask(rule, type, binary: false, Encoding.UTF8.GetBytes(value), s_key, output));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
