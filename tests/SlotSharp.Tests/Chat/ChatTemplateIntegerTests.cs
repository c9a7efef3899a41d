using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>
/// Integer arithmetic beyond 64 bits behaves like Python's arbitrary-precision ints (expected values are
/// Python Jinja2 3.1.6's output), and oversized ints are refused cleanly instead of exhausting memory or time.
/// </summary>
public class ChatTemplateIntegerTests
{
    static string Render(string source, ChatTemplateLimits? limits = null) =>
        ChatTemplate.Parse(source, new ChatTemplateOptions { Limits = limits ?? ChatTemplateLimits.Default })
            .Render([ChatMessage.User("hi")], false);

    [SkippableTheory]
    [InlineData("{{ (-9223372036854775807 - 1) // -1 }}", "9223372036854775808")]
    [InlineData("{{ (-9223372036854775807 - 1) % -1 }}", "0")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "9223372036854775808")]
    [InlineData("{{ -9223372036854775807 - 1 - 1 }}", "-9223372036854775809")]
    [InlineData("{{ 9223372036854775807 * -3 }}", "-27670116110564327421")]
    [InlineData("{{ -(-9223372036854775807 - 1) }}", "9223372036854775808")]
    [InlineData("{{ (-9223372036854775807 - 1) | abs }}", "9223372036854775808")]
    [InlineData("{{ 2 ** 64 }}", "18446744073709551616")]
    [InlineData("{{ 3 ** 40 }}", "12157665459056928801")]
    [InlineData("{{ 2 ** 100 // 3 }}", "422550200076076467165567735125")]
    [InlineData("{{ (2 ** 70) % 1000 }}", "424")]
    [InlineData("{{ -(2 ** 70) // 7 }}", "-168655945816773043347")]
    [InlineData("{{ 18446744073709551616 - 2 ** 64 + 5 }}", "5")]
    [InlineData("{{ 2 ** 64 == 18446744073709551616 }}", "True")]
    [InlineData("{{ (2 ** 64) is integer }}", "True")]
    [InlineData("{{ 2 ** 64 > 1.5 }}", "True")]
    [InlineData("{{ 2 ** 63 / 2 }}", "4.611686018427388e+18")]
    [InlineData("{{ 2 ** 64 * 1.0 }}", "1.8446744073709552e+19")]
    [InlineData("{{ [1, 2 ** 64] }}", "[1, 18446744073709551616]")]
    [InlineData("{{ [2 ** 64] | tojson }}", "[18446744073709551616]")]
    [InlineData("{{ (2 ** 64) | string }}", "18446744073709551616")]
    [InlineData("{{ (2 ** 64) | float }}", "1.8446744073709552e+19")]
    [InlineData("{{ (2 ** 64) - 1 - 18446744073709551615 }}", "0")]
    [InlineData("{{ 2 ** 10 ** 9 }}", "1237940039285380274899124224")] // Jinja's ** is left-associative: (2**10)**9
    public void IntegersBeyond64BitsMatchPython(string source, string expected) => Assert.Equal(expected, Render(source));

    [SkippableTheory]
    [InlineData("{{ 2 ** (10 ** 9) }}")]
    [InlineData("{{ 10 ** 5000 }}")]
    [InlineData("{{ (10 ** 3000) * (10 ** 3000) }}")]
    [InlineData("{% set ns = namespace(x=2) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}")]
    public void HugeIntegersAreRefusedCleanly(string source)
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render(source));
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.Contains("digits", e.Message);
        Assert.NotNull(e.Line);
    }

    [SkippableFact]
    public void TheDigitLimitIsConfigurable()
    {
        Assert.Equal("1" + new string('0', 29), Render("{{ 10 ** 29 }}", new ChatTemplateLimits { MaxIntegerDigits = 30 }));
        Assert.Throws<ChatTemplateException>(() => Render("{{ 10 ** 30 }}", new ChatTemplateLimits { MaxIntegerDigits = 30 }));
    }

    [SkippableFact]
    public void ABigIntegerIndexIsOutOfRangeLikeInJinja()
    {
        // Jinja2 turns the IndexError into an undefined value, which prints as nothing.
        Assert.Equal("|", Render("{{ 'abc'[2 ** 64] }}|{{ [1][-(2 ** 64)] }}"));
    }

    [SkippableFact]
    public void RangeOfABigIntegerIsRefusedByTheRangeLimit()
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render("{{ range(2 ** 64) | length }}"));
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
    }
}
