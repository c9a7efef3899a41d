using SlotSharp.Evaluation.Loglik;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>acc and acc_norm from hand-computed log-likelihoods, as lm-evaluation-harness's process_results gets them.</summary>
public class ChoiceScoreTests
{
    [SkippableFact]
    public void AccTakesTheLargestLoglikelihoodAndAccNormDividesByTheChoicesLengthInCharacters()
    {
        // lls / len: -10/2 = -5, -12/6 = -2, -9/3 = -3: argmax(lls) = 2, argmax(lls / len) = 1.
        string[] choices = ["ab", "abcdef", "abc"];
        double[] lls = [-10, -12, -9];
        var s = ChoiceScore.Of(lls, choices, gold: 1);
        Assert.Equal((2, 1, 0.0, 1.0), (s.Pred, s.PredNorm, s.Acc, s.AccNorm));
        s = ChoiceScore.Of(lls, choices, gold: 2);
        Assert.Equal((1.0, 0.0), (s.Acc, s.AccNorm));
    }

    [SkippableFact]
    public void TheLengthIsPythonsLenSoAnEmojiCountsOnce()
    {
        // "🥛a" is 2 characters in Python, 3 UTF-16 units: -2.6 / 2 = -1.3 loses to -1.0 / 1, while -2.6 / 3 = -0.867 would win.
        var s = ChoiceScore.Of([-2.6, -1.0], ["🥛a", "b"], gold: 1);
        Assert.Equal(1, s.PredNorm);
    }

    [SkippableFact]
    public void TiesGoToTheFirstChoiceAsNumpyArgmaxDoes()
    {
        var s = ChoiceScore.Of([-1.0, -1.0, -2.0], ["aa", "aa", "a"], gold: 0);
        Assert.Equal((0, 0), (s.Pred, s.PredNorm));
        Assert.Equal(1, ChoiceScore.ArgMax([-1.0, double.NaN, 0.0]));
    }
}
