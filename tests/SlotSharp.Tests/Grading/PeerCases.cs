using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

/// <summary>One verify case of shared/datasets/math-equivalence/cases.json (Math-Verify's own tests as data).</summary>
internal sealed record PeerCase(string Id, string Category, bool Expected, GradeCase Case);

/// <summary>Reads the peer suite and runs a case exactly as its README specifies: verify(parse(gold), parse(prediction)).</summary>
internal static class PeerCases
{
    public static IReadOnlyList<PeerCase> Load(string path) =>
        GradeCaseFile.Read(path, new GradingOptions()).Select(c => new PeerCase(
            (string)c.Source["id"]!, (string)c.Source["category"]!, (bool)c.Source["expected"]!, c)).ToList();

    public static bool Run(PeerCase peer)
    {
        var c = peer.Case;
        if (c.SympyInput) return new MathComparer(c.Options).Equal(SympyRepr.Parse(c.Gold), SympyRepr.Parse(c.Prediction));
        return MathGrader.Grade(c.Gold, c.Prediction, c.GoldTargets!, c.PredictionTargets!, c.Options);
    }
}
