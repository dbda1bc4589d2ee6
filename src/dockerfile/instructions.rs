//! Raw instructions -> typed instructions and stages. (Placeholder.)
