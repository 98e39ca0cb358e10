using HoopGate.Gateway.Interception;

namespace HoopGate.Tests.Interception;

public class JustificationTests
{
    [Theory]
    [InlineData("/* justification: INC-7 cleanup of test rows */ DELETE FROM t", "INC-7 cleanup of test rows")]
    [InlineData("DELETE FROM t /* Justification:\n  two lines\n*/", "two lines")]
    [InlineData("DELETE FROM t -- justification: requested by the ward", "requested by the ward")]
    public void A_comment_in_the_statement_gives_the_justification(string sql, string expected) =>
        Assert.Equal(expected, Justification.InComment(sql));

    [Theory]
    [InlineData("DELETE FROM t")]
    [InlineData("DELETE FROM t /* no reason given */")]
    [InlineData("SELECT 'justification: in a string' /* justification: */")]
    public void A_statement_without_one_has_none(string sql) => Assert.Null(Justification.InComment(sql));

    [Fact]
    public void A_long_justification_is_cut_to_its_limit()
    {
        string text = new('x', Justification.MaxLength + 50);
        Assert.Equal(Justification.MaxLength, Justification.InComment("/* justification: " + text + " */ TRUNCATE t")!.Length);
    }

    [Theory]
    [InlineData("SET hoopgate.justification = 'CHG-42: it''s approved by the board'", "CHG-42: it's approved by the board")]
    [InlineData("set HOOPGATE.JUSTIFICATION to 'x'", "x")]
    [InlineData("SET hoopgate.justification = ''", "")]
    public void The_session_setting_gives_it_too(string sql, string expected) => Assert.Equal(expected, Justification.InSetting(sql));
}
