using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>Expected strings are CPython 3.11's repr(x) and f"{x:.4f}".</summary>
public class PythonFormatTests
{
    [SkippableTheory]
    [InlineData(0.9, "0.9")]
    [InlineData(1.0, "1.0")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123.456, "123.456")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(1.4142135623730951, "1.4142135623730951")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.0, "0.0")]
    public void Float_repr(double value, string expected) => Assert.Equal(expected, PythonFormat.FloatRepr(value));

    [SkippableTheory]
    [InlineData(0.03125, "0.0312")]   // exact tie: half to even
    [InlineData(0.09375, "0.0938")]
    [InlineData(0.5, "0.5000")]
    [InlineData(0.6666666666666666, "0.6667")]
    [InlineData(0.0, "0.0000")]
    [InlineData(1.0, "1.0000")]
    [InlineData(5e-05, "0.0001")]     // the double is slightly above 0.00005
    [InlineData(0.00015, "0.0001")]   // the double is slightly below 0.00015
    [InlineData(0.12345, "0.1235")]
    [InlineData(0.015625, "0.0156")]
    [InlineData(0.99995, "1.0000")]
    [InlineData(0.9984836997725549, "0.9985")]
    public void Fixed_4(double value, string expected) => Assert.Equal(expected, PythonFormat.Fixed(value, 4));
}
