using Xunit;

namespace App.Test;

public class GreetingTest
{
    [Fact]
    public void GreetsByName() => Assert.Equal("Hello, Ada!", Module1.Greeting.For("Ada"));
}
