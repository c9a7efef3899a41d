using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

public class LatexParserTests
{
    static BigRational R(long p, long q = 1) => new(p, q);

    [SkippableTheory]
    [InlineData(@"\frac{3}{4}", 3, 4)]
    [InlineData(@"2^{10}", 1024, 1)]
    [InlineData("1,000,000", 1000000, 1)]
    [InlineData(@"-\frac{10}{9}", -10, 9)]
    [InlineData("204_5", 54, 1)] // 2*25 + 0*5 + 4
    [InlineData("2 \\cdot 3 + 4", 10, 1)]
    [InlineData(@"28\%", 7, 25)]
    [InlineData("3:4", 3, 4)]
    [InlineData(@"{1}/{3}", 1, 3)]
    public void Parses_exact_values(string latex, long p, long q)
        => Assert.Equal(R(p, q), NumericEvaluator.TryExact(LatexParser.Parse(latex)));

    [SkippableFact]
    public void Exponent_digits_beyond_the_first_multiply()
    {
        var node = LatexParser.Parse("2^23");
        Assert.Equal(R(12), NumericEvaluator.TryExact(node)); // 2^2 * 3, as TeX typesets it
    }

    [SkippableTheory]
    [InlineData(@"\sqrt[3]{8}", 2.0)]
    [InlineData(@"\sqrt{2}\cdot\sqrt{8}", 4.0)]
    [InlineData(@"\pi", Math.PI)]
    [InlineData(@"\sin^2 1 + \cos^2 1", 1.0)]
    [InlineData(@"\log_2 8", 3.0)]
    [InlineData(@"|-3|", 3.0)]
    [InlineData(@"5!", 120.0)]
    [InlineData(@"\binom{5}{2}", 10.0)]
    public void Parses_real_values(string latex, double expected) =>
        Assert.Equal(expected, NumericEvaluator.TryReal(LatexParser.Parse(latex))!.Value, 12);

    [SkippableFact]
    public void Parses_structures()
    {
        Assert.Equal("Interval.Lopen(1, 2)", MathPrinter.Print(LatexParser.Parse("(1,2]")));
        Assert.Equal("Interval.open(1, 2)", MathPrinter.Print(LatexParser.Parse("(1,2)")));
        Assert.Equal("(3, 1)", MathPrinter.Print(LatexParser.Parse("(3,1)"))); // decreasing: a pair, not an interval
        Assert.Equal("{1, 2}", MathPrinter.Print(LatexParser.Parse(@"\{1,2\}")));
        Assert.Equal("{1, 2}", MathPrinter.Print(LatexParser.Parse("1, 2")));
        Assert.Equal("x <= 5", MathPrinter.Print(LatexParser.Parse(@"x \le 5")));
        Assert.Equal("Matrix([(1, 0), (0, 1)])", MathPrinter.Print(LatexParser.Parse(@"\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}")));
        Assert.Equal("Interval(0, 7)", MathPrinter.Print(LatexParser.Parse(@"x \in [0, 7]")));
        Assert.IsType<SetNode>(LatexParser.Parse(@"1 \pm \sqrt{2}"));
        Assert.IsType<UnionNode>(LatexParser.Parse(@"(0,1) \cup (2,3)"));
    }

    [SkippableTheory]
    [InlineData(@"\zzz")]
    [InlineData(@"\frac{1}")]
    [InlineData("(1")]
    [InlineData("")]
    [InlineData(@"\frac12")] // unbraced: only the normalizer's repair makes it parse
    [InlineData(@"\begin{array}{c}1\end{array}")]
    public void Rejects_what_latex2sympy_rejects(string latex) => Assert.Throws<MathParseException>(() => LatexParser.Parse(latex));

    [SkippableFact]
    public void Deep_nesting_fails_cleanly_instead_of_overflowing_the_stack()
    {
        var deep = new string('(', 100_000) + "1" + new string(')', 100_000);
        Assert.Throws<MathParseException>(() => LatexParser.Parse(deep));
        Assert.Throws<MathParseException>(() => LatexParser.Parse(new string('-', 100_000) + "1"));
    }

    [SkippableFact]
    public void Huge_powers_are_left_to_the_numeric_path()
    {
        Assert.Null(NumericEvaluator.TryExact(LatexParser.Parse("(10^{4096})^{4096}")));
        Assert.Null(NumericEvaluator.TryExact(LatexParser.Parse("2^{100000}")));
    }
}
