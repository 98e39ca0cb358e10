using HoopGate.Masking;
using HoopGate.Policy;

namespace HoopGate.Tests.Masking;

public sealed class ContentScrubberTests
{
    private static readonly ContentDetector[] s_all = [.. ContentDetector.BuiltIn.Values];

    [Theory]
    [InlineData("Key (ssn)=(900-12-3456) already exists.", "Key (ssn)=([REDACTED:ssn]) already exists.")]
    [InlineData("write to jane.doe@example.org", "write to [REDACTED:email]")]
    [InlineData("call (555) 010-1234 today", "call [REDACTED:phone] today")]
    [InlineData("card 4111 1111 1111 1111 on file", "card [REDACTED:card] on file")]
    [InlineData("record MRN-00001234", "record [REDACTED:mrn]")]
    public void Detectors_replace_what_they_find(string text, string expected)
    {
        Assert.Equal(expected, ContentScrubber.Scrub(text, s_all));
    }

    [Theory]
    [InlineData("relation \"patients\" does not exist")]
    [InlineData("order 4111 1111 1111 1112 is not a card (fails Luhn)")]
    [InlineData("duplicate key value violates unique constraint \"patients_pkey\"")]
    public void Text_without_protected_content_is_returned_as_it_was(string text)
    {
        Assert.Same(text, ContentScrubber.Scrub(text, s_all));
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("3782 822463 10005", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("1234", false)]
    public void The_luhn_check_accepts_real_card_number_shapes_only(string digits, bool passes)
    {
        Assert.Equal(passes, ContentScrubber.PassesLuhn(digits));
    }
}
