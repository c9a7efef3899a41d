using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

/// <summary>Expected outputs worked out by hand from latex2sympy2_extended's normalize_latex steps.</summary>
public class LatexNormalizerTests
{
    static string N(string latex) => LatexNormalizer.Normalize(latex, new NormalizationConfig());

    [SkippableTheory]
    [InlineData(@"\dfrac{1}{2}", @"\frac{1}{2}")]
    [InlineData(@"\frac12", @"\frac{1}{2}")]
    [InlineData(@"\frac1{2}", @"\frac{1}{2}")]
    [InlineData(@"\sqrt3", @"\sqrt{3}")]
    [InlineData(@"\left( \frac{1}{3} \right)", @"( \frac{1}{3} )")]
    [InlineData(@"5\text{ cm}^2", "5")]
    [InlineData(@"125\textnormal{ miles}", "125")]
    [InlineData("28 percent", "28%")]
    [InlineData(@"\boxed{5}", "5")]
    [InlineData(".5", @"\frac{1}{2}")]
    [InlineData("2/3", @"\frac{2}{3}")]
    [InlineData("02/3", "02/3")] // not canonical integers: left alone
    [InlineData(@"11,\! 111", "11,111")]
    [InlineData(@"14{,}916", "14,916")]
    [InlineData("1 and 2", "1, 2")]
    [InlineData(@"\text{Evelyn}", @"\text{Evelyn}")] // a lone \text is an answer, not a unit
    [InlineData(@"x \in [1, infinity)", @"x \in [1, \infty)")]
    public void Normalizes_like_latex2sympy2_extended(string input, string expected) => Assert.Equal(expected, N(input));

    [SkippableTheory]
    [InlineData(@"\boxed{1} no no no no no \boxed{2}", BoxedMode.Last, "2")]
    [InlineData(@"\boxed{1} no no no no no \boxed{2}", BoxedMode.All, "1,2")]
    [InlineData(@"\boxed{1}, \boxed{2}", BoxedMode.Last, "1,2")]
    [InlineData(@"\boxed{\frac{1}{2}} and more", BoxedMode.Last, @"\frac{1}{2}")]
    [InlineData(@"\boxed{3}\boxed{3}", BoxedMode.Last, "3")] // consecutive duplicates collapse
    [InlineData(@"\boxed{\frac{1}{2}", BoxedMode.Last, @"{\frac{1}{2}")] // unclosed: the rest of the text
    [InlineData(@"\fbox{7}", BoxedMode.Last, "7")]
    [InlineData(@"\boxed{7}", BoxedMode.None, @"\boxed{7}")]
    public void Extracts_boxed_contents(string input, BoxedMode mode, string expected) => Assert.Equal(expected, BoxedContent.Extract(input, mode));
}
