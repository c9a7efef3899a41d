using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

public class Gsm8kScoringTests
{
    // (completion, gold, answer correct, format correct), hand-checked against eval_only_slot.py's rules; the
    // format column and the last regex match were also checked with CPython 3.11's re.
    public static readonly TheoryData<string, string, bool, bool> Cases = new()
    {
        { "<think>16-3-4=9, 9*2=18</think><answer>18</answer>", "18", true, true },
        { "<think>x</think><answer>18.0</answer>", "18", true, true },
        { "<think>x</think><answer>36/2</answer>", "18", true, true },
        { "<think>x</think><answer>18.5</answer>", "18", false, true },
        { "The answer is 1,875", "1,875", false, false },
        { "<think>x</think><answer>1875</answer>", "1,875", true, true },
        { "<think>x</think><answer>-3</answer>", "-3", false, true },
        { "<think>x</think><answer>3</answer>", "-3", false, true },
        { "<think>x</think><answer>-3</answer>", "3", true, true },
        { "no numbers here", "5", false, false },
        { "", "5", false, false },
        { "<think>a</think><answer>5</answer>\n", "5", true, true },
        { "<think>a</think><answer>5</answer>\n\n", "5", true, false },
        { "<think>a</think><answer>5</answer> extra", "5", true, false },
        { "<think>a</think><answer>5</answer> so 6", "5", false, false },
        { "<think>line1\nline2\n</think><answer>\n7\n</answer>", "7", true, true },
        { " <think>a</think><answer>7</answer>", "7", true, false },
        { "<think>a</think> <answer>7</answer>", "7", true, false },
        { "<think><think>a</think></think><answer>7</answer>", "7", true, true },
        { "<think>a</think><answer>7</answer><answer>8</answer>", "7", false, true },
        { "<answer>7</answer>", "7", true, false },
        { "<think>a</think><answer>7", "7", true, false },
        { "<THINK>a</THINK><ANSWER>7</ANSWER>", "7", true, false },
        { "<think></think><answer></answer>", "7", false, true },
        { "pi is about 3.14159", "3.14159", true, false },
        { "half: 1/2", "0.5", true, false },
        { "half: 0.5", "1/2", true, false },
        { "5/0", "5", false, false },
        { "code 007", "7", true, false },
        { "7.00", "7", true, false },
        { "The answer is 7.", "7", true, false },
        { "It is .5", "0.5", false, false },
        { "1,000,000", "1,000,000", false, false },
        { "Total: $2,125.", "2,125", false, false },
        { "Total: $2125.", "2,125", true, false },
        { "10 apples and 20 pears", "20", true, false },
        { "20 pears and 10 apples", "20", false, false },
        { "2.5.3", "3", true, false },
        { "1/2/3", "3", true, false },
        { "12/4", "3", true, false },
        { "3/4", "0.75", true, false },
        { "x=10%", "10", true, false },
        { "The result is 1e3", "1000", false, false },
        { "\u0661\u0662", "12", false, false },
        { "<think>a</think><answer>42</answer>\r\n", "42", true, false },
        { "Answer: 18 dollars", "18", true, false },
        { "0.1+0.2=0.3", "0.3", true, false },
        { "<think>costs 1,250</think><answer>1250</answer>", "1,250", true, true },
        { "<think>a</think><answer>\\boxed{70000}</answer>", "70,000", true, true },
        { "<think>a</think><answer>18</answer>", "18.0", true, true },
        { "<think>a</think><answer>0</answer>", "0", true, true },
        { "<think>a</think><answer>18</answer>", "19", false, true },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Scores_like_the_original(string completion, string gold, bool correct, bool format)
    {
        Assert.Equal(correct, Gsm8kScoring.IsAnswerCorrect(completion, gold));
        Assert.Equal(format, Gsm8kScoring.IsFormatCorrect(completion));
    }

    [SkippableFact]
    public void Table_has_at_least_40_cases() => Assert.True(Cases.Count >= 40);

    [SkippableTheory]
    [InlineData("The answer is 1,875", "875")]
    [InlineData("-3 degrees", "3")]
    [InlineData("2.5.3", "3")]
    [InlineData("1/2/3", "3")]
    [InlineData("12/4", "12/4")]
    [InlineData("a 3.50 b", "3.50")]
    [InlineData("none", null)]
    public void Last_number_uses_the_original_regex(string completion, string? expected) =>
        Assert.Equal(expected, Gsm8kScoring.LastNumber(completion));

    [SkippableTheory]
    [InlineData("2,125", "2125")]
    [InlineData("1,000,000", "1000000")]
    [InlineData("1 234", "1234")]
    [InlineData("-3", "-3")]
    [InlineData("-1,500", "-1500")]
    [InlineData("007", "7")]
    [InlineData("18.0", "18")]
    [InlineData("12,5", "25/2")]   // math-verify reads a comma before fewer than 3 digits as a decimal point
    [InlineData(".5", "1/2")]
    [InlineData("3/4", "3/4")]
    [InlineData("36/2", "18")]
    [InlineData(" 42 ", "42")]
    public void Gold_uses_math_verify_number_grammar(string gold, string expected) =>
        Assert.Equal(expected, Gsm8kScoring.ParseGold(gold)?.ToString());

    [SkippableTheory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("5/0")]
    [InlineData("1.2.3")]
    [InlineData("\u0661\u0662")]
    public void Gold_that_is_not_one_number_is_unparseable(string gold) => Assert.Null(Gsm8kScoring.ParseGold(gold));

    [SkippableTheory]
    [InlineData("Janet sells 9 eggs.\nShe makes $18.\n#### 18", "18")]
    [InlineData("a #### b #### 42 ", "42")]
    [InlineData("x\n####\n 1,000\n", "1,000")]
    [InlineData("no marker", "no marker")]
    public void Ground_truth_is_text_after_last_marker(string answer, string expected) =>
        Assert.Equal(expected, Gsm8kScoring.ExtractGroundTruth(answer));

    [SkippableFact]
    public void Rationals_compare_by_value()
    {
        Assert.Equal(ExactRational.TryParsePlain("18"), ExactRational.TryParsePlain("18.000"));
        Assert.Equal(ExactRational.TryParsePlain("36/2"), ExactRational.TryParsePlain("18"));
        Assert.NotEqual(ExactRational.TryParsePlain("0.3333333333"), ExactRational.TryParsePlain("1/3"));
        Assert.Equal("1/10", ExactRational.TryParsePlain("0.1")!.Value.ToString());
        // The double 0.1 is not 1/10.
        Assert.Equal("3602879701896397/36028797018963968", ExactRational.FromDouble(0.1).ToString());
    }
}
